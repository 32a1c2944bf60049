import { readFileSync } from 'node:fs';
import { OPENAPI_FILE } from '@retail/api-contract/openapi-file';
import { handler } from '../src/handlers/get-openapi-document';

describe('GET /openapi.json', () => {
  it('answers the committed OpenAPI document as JSON', async () => {
    const answer = await handler();

    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')));
    expect(JSON.parse(answer.body)).toMatchObject({
      openapi: '3.1.0',
      paths: { '/invoices/{invoiceNo}/items': { get: { operationId: 'getInvoiceItems' } } },
    });
  });
});
