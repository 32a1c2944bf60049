import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readServiceDefinition, serviceDefinitionFromPrintedConfiguration } from '../src/serverless-offline-service';

describe('service definitions', () => {
  it('reads the http events of every function, in both spellings, with private routes marked', () => {
    const printed = {
      functions: {
        putInvoiceLines: {
          handler: 'a.handler',
          events: [{ http: { method: 'post', path: 'invoice-lines', private: true } }],
        },
        getInvoice: {
          handler: 'b.handler',
          events: [{ http: 'GET /invoices/{invoiceNo}' }, { schedule: 'rate(1 minute)' }],
        },
        onStream: { handler: 'c.handler', events: [{ stream: { type: 'kinesis', arn: 'arn' } }] },
      },
    };
    const definition = serviceDefinitionFromPrintedConfiguration('/repo/services/ingest', printed);
    expect(definition).toMatchObject({
      name: 'ingest',
      directory: '/repo/services/ingest',
      functionNames: ['putInvoiceLines', 'getInvoice', 'onStream'],
    });
    expect(definition.routes).toEqual([
      { method: 'POST', path: '/invoice-lines', private: true },
      { method: 'GET', path: '/invoices/{invoiceNo}', private: false },
    ]);
    expect(definition.configuration).toBe(printed);
  });

  it('refuses an http event without a path', () => {
    expect(() =>
      serviceDefinitionFromPrintedConfiguration('/s/x', {
        functions: { f: { events: [{ http: { method: 'get' } }] } },
      }),
    ).toThrow(/x f: an http event needs a method and a path/);
  });

  it('skips a service folder that has no Serverless configuration yet', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'retail-service-'));
    try {
      await expect(readServiceDefinition(empty, 'local')).resolves.toBeUndefined();
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
