import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InvoiceNoParameterSchema } from '@retail/api-contract';
import { committedOpenApiDocument, OPENAPI_FILE, openApiFileText } from '@retail/api-contract/openapi-file';
import { InvoiceLineEventSchema } from '@retail/domain';
import { readServiceDefinition, type ServiceRoute } from '@retail/local-platform';
import { LOCAL_API_URL } from '../../src/postman/local-api-defaults';

const SERVICES = path.resolve(__dirname, '../../../../services');
const API_SERVICES = ['ingest', 'visualization-api'];

describe('the committed OpenAPI document', () => {
  it('is what the schemas generate now (run `npm run openapi` after changing a schema or a route)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiFileText(committedOpenApiDocument(LOCAL_API_URL)));
  });

  it("documents exactly the services' http routes, with the API key where the route is private", async () => {
    const declared = (
      await Promise.all(
        API_SERVICES.map(
          async (name) => (await readServiceDefinition(path.join(SERVICES, name), 'local'))?.routes ?? [],
        ),
      )
    ).flat();
    const documented: ServiceRoute[] = Object.entries(committedOpenApiDocument(LOCAL_API_URL).paths).flatMap(
      ([route, operations]) =>
        Object.entries(operations).map(([method, operation]) => ({
          method: method.toUpperCase(),
          path: route,
          private: operation.security.length > 0,
        })),
    );

    const key = (route: ServiceRoute) => `${route.method} ${route.path} private=${route.private}`;
    expect(documented.map(key).sort()).toEqual(declared.map(key).sort());
    expect(declared.map(key)).toContain('POST /invoice-lines private=true');
    expect(declared.map(key)).toContain('GET /openapi.json private=false');
  });

  it('refers only to schemas it defines, and names each operation once', () => {
    const document = committedOpenApiDocument(LOCAL_API_URL);
    const text = JSON.stringify(document);
    const schemas = Object.keys((document.components as { schemas: Record<string, unknown> }).schemas);
    const referenced = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]);
    const operationIds = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).map((operation) => operation.operationId),
    );

    expect(referenced.length).toBeGreaterThan(10);
    expect(referenced.filter((name) => !schemas.includes(name!))).toEqual([]);
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it("documents the invoice number pattern the handlers accept (the domain's rule)", () => {
    const documented = new RegExp(
      (
        committedOpenApiDocument(LOCAL_API_URL).paths['/invoices/{invoiceNo}/items']!.get!.parameters as {
          schema: { pattern: string };
        }[]
      )[0]!.schema.pattern,
    );

    for (const invoiceNo of [
      '536365',
      'C536379',
      'A563185',
      '53636',
      '5363650',
      'c536379',
      'X536365',
      'CA536365',
      '',
    ]) {
      expect([invoiceNo, documented.test(invoiceNo)]).toEqual([
        invoiceNo,
        InvoiceNoParameterSchema.safeParse(invoiceNo).success,
      ]);
      expect([invoiceNo, documented.test(invoiceNo)]).toEqual([
        invoiceNo,
        InvoiceLineEventSchema.shape.invoiceNo.safeParse(invoiceNo).success,
      ]);
    }
  });
});
