import * as z from 'zod';
import { ANALYTICS_BODY_SCHEMAS, ANALYTICS_VIEW_NAMES } from '../analytics-api';
import { ErrorBodySchema, InvalidParametersBodySchema } from '../error-bodies';
import { FIRST_LINE_OF_THE_DATA_SET, InvalidRowsBodySchema, InvoiceLinesAcceptedBodySchema } from '../ingest-api';
import { API_KEY_HEADER } from '../openapi-document';
import { CustomerInvoicesBodySchema, INVOICE_NO_QUERY_PARAMETER, InvoiceItemsBodySchema } from '../visualization-api';
import { POSTMAN_VARIABLES as VARIABLES, type ApiTarget } from './postman-environments';

/**
 * The Postman collection (v2.1) of both APIs, generated so its response schemas are the contract's own (as draft-07,
 * what Postman's ajv reads). Its values are facts of the data set's first invoices, true of the committed sample and
 * of the full file alike: invoice 536365 has 7 lines totalling 139.12, and it is customer 17850's oldest invoice.
 * `npm run postman:collection` writes postman/retail-api.postman_collection.json; a test fails when it is stale.
 */

type Base = 'visualization' | 'ingest';

interface RequestSpec {
  name: string;
  method: 'GET' | 'POST';
  base: Base;
  /** Path after the base URL, e.g. /invoices/536365/items. */
  path: string;
  query?: [string, string][];
  body?: unknown;
  /** Send no API key (API Gateway must refuse the request). */
  withoutKey?: boolean;
  prerequest?: string;
  tests: string;
}

export type PostmanCollection = Record<string, unknown>;

const BASE_URL: Record<Base, string> = { visualization: VARIABLES.baseUrl, ingest: VARIABLES.ingestBaseUrl };
const API_KEY: Record<Base, string> = { visualization: VARIABLES.apiKey, ingest: VARIABLES.ingestApiKey };

export function buildPostmanCollection(defaults: ApiTarget): PostmanCollection {
  return {
    info: {
      _postman_id: '5b0e6a57-6f1e-4c8e-a3a2-1d4b8c7e9f01',
      name: 'Online Retail data platform API',
      description:
        'Every endpoint of the ingest and visualization APIs, with tests. Needs the sample (or the full data set) loaded: ' +
        '`npm start`, then `npm run load`, then `npm run test:postman`. Variables: baseUrl and apiKey (locally from ' +
        '.local/stack.json, `npm run postman:env`); on AWS also ingestBaseUrl and ingestApiKey (postman/environments/deployed.postman_environment.json).',
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: apiKeyAuth(API_KEY.visualization),
    variable: [
      { key: VARIABLES.baseUrl, value: defaults.apiUrl, type: 'string' },
      { key: VARIABLES.apiKey, value: defaults.apiKey, type: 'string' },
      // Both APIs share the base URL and key locally; a deployed environment sets ingest's own.
      { key: VARIABLES.ingestBaseUrl, value: `{{${VARIABLES.baseUrl}}}`, type: 'string' },
      { key: VARIABLES.ingestApiKey, value: `{{${VARIABLES.apiKey}}}`, type: 'string' },
    ],
    item: [
      folder('ingest: POST /invoice-lines', ingestRequests(), apiKeyAuth(API_KEY.ingest)),
      folder('visualization: invoices', invoiceRequests()),
      folder('visualization: customers', customerRequests()),
      folder('analytics: the dashboard (needs the warehouse loaded)', analyticsRequests()),
      folder('contract', [
        request({
          name: 'GET /openapi.json (no key needed)',
          method: 'GET',
          base: 'visualization',
          path: '/openapi.json',
          withoutKey: true,
          tests: `
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('is the OpenAPI 3.1 document of every route', () => {
  const document = pm.response.json();
  pm.expect(document.openapi).to.equal('3.1.0');
  pm.expect(Object.keys(document.paths)).to.include.members(['/invoice-lines', '/invoices', '/invoices/{invoiceNo}/items', '/customers/{customerId}/invoices', '/openapi.json']);
});`,
        }),
      ]),
    ],
  };
}

function ingestRequests(): unknown[] {
  return [
    request({
      name: 'a valid row (the course client: one object)',
      method: 'POST',
      base: 'ingest',
      path: '/invoice-lines',
      body: FIRST_LINE_OF_THE_DATA_SET,
      tests: `
${schemaConstant(InvoiceLinesAcceptedBodySchema)}
pm.test('status is 202', () => pm.response.to.have.status(202));
pm.test('body matches InvoiceLinesAccepted', () => pm.response.to.have.jsonSchema(schema));
pm.test('the row is line 536365:1', () => {
  pm.expect(pm.response.json()).to.eql({ accepted: 1, lines: [{ row: 1, lineId: '536365:1' }] });
});`,
    }),
    request({
      name: 'invalid rows: 400 with problems, nothing written',
      method: 'POST',
      base: 'ingest',
      path: '/invoice-lines',
      body: [
        FIRST_LINE_OF_THE_DATA_SET,
        { ...FIRST_LINE_OF_THE_DATA_SET, InvoiceNo: 'X1', Quantity: 'six', LineNo: 2 },
      ],
      tests: `
${schemaConstant(InvalidRowsBodySchema)}
pm.test('status is 400', () => pm.response.to.have.status(400));
pm.test('body matches InvalidRows', () => pm.response.to.have.jsonSchema(schema));
pm.test('problems name row 2 and its columns', () => {
  const problems = pm.response.json().problems;
  pm.expect(problems.map((problem) => problem.row + ' ' + problem.field)).to.eql(['2 InvoiceNo', '2 Quantity']);
});`,
    }),
    request({
      name: 'without the API key: 403',
      method: 'POST',
      base: 'ingest',
      path: '/invoice-lines',
      body: FIRST_LINE_OF_THE_DATA_SET,
      withoutKey: true,
      tests: forbiddenTests(),
    }),
  ];
}

function invoiceRequests(): unknown[] {
  const items = schemaConstant(InvoiceItemsBodySchema);
  const sameAsPathForm = `
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('answers exactly what GET /invoices/536365/items answers', () => {
  pm.expect(pm.response.json()).to.eql(JSON.parse(pm.collectionVariables.get('invoice536365')));
});`;
  return [
    request({
      name: 'GET /invoices/536365/items: 7 lines totalling 139.12',
      method: 'GET',
      base: 'visualization',
      path: '/invoices/536365/items',
      tests: `
${items}
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('body matches InvoiceItems', () => pm.response.to.have.jsonSchema(schema));
const body = pm.response.json();
pm.test('invoice 536365 of customer 17850 has 7 lines totalling exactly 139.12', () => {
  pm.expect(body.invoice).to.eql({ invoiceNo: '536365', invoiceDate: '2010-12-01T08:26:00', customerId: '17850', country: 'United Kingdom', isCancellation: false, lineCount: 7, total: 139.12 });
});
pm.test('its lines come in the order of the data set', () => {
  pm.expect(body.items.map((item) => item.lineNo)).to.eql([1, 2, 3, 4, 5, 6, 7]);
  pm.expect(body.items.map((item) => item.stockCode)).to.eql(['85123A', '71053', '84406B', '84029G', '84029E', '22752', '21730']);
  pm.expect(body.items[0]).to.eql({ lineNo: 1, stockCode: '85123A', description: 'WHITE HANGING HEART T-LIGHT HOLDER', quantity: 6, unitPrice: 2.55, lineTotal: 15.3 });
});
pm.test('the line totals add up to the total, to the thousandth', () => {
  pm.expect(body.items.reduce((sum, item) => sum + Math.round(item.lineTotal * 1000), 0)).to.equal(139120);
});
pm.collectionVariables.set('invoice536365', JSON.stringify(body));`,
    }),
    request({
      name: `GET /invoice-lines?${INVOICE_NO_QUERY_PARAMETER}=536365 (the course's client)`,
      method: 'GET',
      base: 'visualization',
      path: '/invoice-lines',
      query: [[INVOICE_NO_QUERY_PARAMETER, '536365']],
      tests: sameAsPathForm,
    }),
    request({
      name: `GET /invoices?${INVOICE_NO_QUERY_PARAMETER}=536365`,
      method: 'GET',
      base: 'visualization',
      path: '/invoices',
      query: [[INVOICE_NO_QUERY_PARAMETER, '536365']],
      tests: sameAsPathForm,
    }),
    request({
      name: 'GET /invoices/C536379/items: a cancellation',
      method: 'GET',
      base: 'visualization',
      path: '/invoices/C536379/items',
      tests: `
${items}
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('body matches InvoiceItems', () => pm.response.to.have.jsonSchema(schema));
pm.test('is a cancellation with negative quantities', () => {
  const body = pm.response.json();
  pm.expect(body.invoice).to.include({ invoiceNo: 'C536379', isCancellation: true, customerId: '14527', total: -27.5 });
  body.items.forEach((item) => pm.expect(item.quantity).to.be.below(0));
});`,
    }),
    request({
      name: 'GET /invoices/A563185/items: an adjustment, no customer',
      method: 'GET',
      base: 'visualization',
      path: '/invoices/A563185/items',
      tests: `
${items}
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('body matches InvoiceItems', () => pm.response.to.have.jsonSchema(schema));
pm.test('is an adjustment of 11062.06 without a customer', () => {
  pm.expect(pm.response.json().invoice).to.include({ invoiceNo: 'A563185', isCancellation: false, customerId: null, lineCount: 1, total: 11062.06 });
});`,
    }),
    request({
      name: 'GET /invoices/999999/items: unknown, 404',
      method: 'GET',
      base: 'visualization',
      path: '/invoices/999999/items',
      tests: `
${schemaConstant(ErrorBodySchema)}
pm.test('status is 404', () => pm.response.to.have.status(404));
pm.test('body matches Error', () => pm.response.to.have.jsonSchema(schema));
pm.test('the message names the invoice', () => pm.expect(pm.response.json().message).to.include('999999'));`,
    }),
    request({
      name: 'GET /invoices/53636/items: malformed number, 400',
      method: 'GET',
      base: 'visualization',
      path: '/invoices/53636/items',
      tests: invalidParameterTests('path', 'invoiceNo'),
    }),
    request({
      name: `GET /invoices without ${INVOICE_NO_QUERY_PARAMETER}: 400`,
      method: 'GET',
      base: 'visualization',
      path: '/invoices',
      tests: invalidParameterTests('query', INVOICE_NO_QUERY_PARAMETER),
    }),
    request({
      name: 'GET /invoices/536365/items without the API key: 403',
      method: 'GET',
      base: 'visualization',
      path: '/invoices/536365/items',
      withoutKey: true,
      tests: forbiddenTests(),
    }),
  ];
}

function customerRequests(): unknown[] {
  const invoices = schemaConstant(CustomerInvoicesBodySchema);
  return [
    request({
      name: 'GET /customers/17850/invoices: newest first',
      method: 'GET',
      base: 'visualization',
      path: '/customers/17850/invoices',
      query: [['limit', '100']],
      tests: `
${invoices}
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('body matches CustomerInvoices', () => pm.response.to.have.jsonSchema(schema));
const body = pm.response.json();
pm.test('lists each invoice once, newest first, ending with 536365 (7 lines, 139.12)', () => {
  const numbers = body.invoices.map((invoice) => invoice.invoiceNo);
  pm.expect(new Set(numbers).size).to.equal(numbers.length);
  body.invoices.slice(1).forEach((invoice, index) => pm.expect(invoice.invoiceDate <= body.invoices[index].invoiceDate).to.equal(true));
  pm.expect(body.invoices[body.invoices.length - 1]).to.include({ invoiceNo: '536365', lineCount: 7, total: 139.12 });
  pm.expect(body.nextToken).to.equal(null);
});
pm.collectionVariables.set('customer17850', JSON.stringify(body.invoices));
pm.collectionVariables.unset('customer17850Paged');
pm.collectionVariables.unset('customerNextToken');`,
    }),
    request({
      name: 'GET /customers/17850/invoices?limit=4: every page, following nextToken',
      method: 'GET',
      base: 'visualization',
      path: '/customers/17850/invoices',
      query: [['limit', '4']],
      prerequest: `
// The first page has no nextToken; each later one sends the previous page's.
const nextToken = pm.collectionVariables.get('customerNextToken');
if (nextToken) pm.request.url.query.add({ key: 'nextToken', value: nextToken });`,
      tests: `
${invoices}
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('body matches CustomerInvoices', () => pm.response.to.have.jsonSchema(schema));
const body = pm.response.json();
pm.test('a page holds at most limit invoices', () => pm.expect(body.invoices.length).to.be.at.most(4));
const paged = JSON.parse(pm.collectionVariables.get('customer17850Paged') || '[]').concat(body.invoices);
if (body.nextToken !== null && paged.length <= 1000) {
  pm.collectionVariables.set('customer17850Paged', JSON.stringify(paged));
  pm.collectionVariables.set('customerNextToken', body.nextToken);
  pm.execution.setNextRequest(pm.info.requestName);
} else {
  pm.test('the pages together are the whole list, each invoice once, newest first', () => {
    pm.expect(paged).to.eql(JSON.parse(pm.collectionVariables.get('customer17850')));
  });
  pm.collectionVariables.unset('customer17850Paged');
  pm.collectionVariables.unset('customerNextToken');
}`,
    }),
    request({
      name: 'GET /customers/17850/invoices?limit=0: 400',
      method: 'GET',
      base: 'visualization',
      path: '/customers/17850/invoices',
      query: [['limit', '0']],
      tests: invalidParameterTests('query', 'limit'),
    }),
    request({
      name: 'GET /customers/17850/invoices?nextToken=forged: 400',
      method: 'GET',
      base: 'visualization',
      path: '/customers/17850/invoices',
      query: [['nextToken', 'eyJwayI6IklOVk9JQ0UjNTM2MzY1In0']],
      tests: invalidParameterTests('query', 'nextToken'),
    }),
    request({
      name: 'GET /customers/17850/invoices without the API key: 403',
      method: 'GET',
      base: 'visualization',
      path: '/customers/17850/invoices',
      withoutKey: true,
      tests: forbiddenTests(),
    }),
  ];
}

function analyticsRequests(): unknown[] {
  const everyView = ANALYTICS_VIEW_NAMES.map((view) =>
    request({
      name: `GET /analytics/${view}?country=United Kingdom`,
      method: 'GET',
      base: 'visualization',
      path: `/analytics/${view}`,
      query: [['country', 'United Kingdom']],
      tests: `
${schemaConstant(ANALYTICS_BODY_SCHEMAS[view])}
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('body matches the view', () => pm.response.to.have.jsonSchema(schema));
pm.test('applied the country and the whole range', () => {
  pm.expect(pm.response.json().filters).to.eql({ from: '2010-12-01', to: '2011-12-09', country: 'United Kingdom' });
});`,
    }),
  );
  return [
    request({
      name: 'GET /analytics/headline?from=2010-12-01&to=2010-12-01: one day',
      method: 'GET',
      base: 'visualization',
      path: '/analytics/headline',
      query: [
        ['from', '2010-12-01'],
        ['to', '2010-12-01'],
      ],
      tests: `
${schemaConstant(ANALYTICS_BODY_SCHEMAS.headline)}
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('body matches the headline view', () => pm.response.to.have.jsonSchema(schema));
// The warehouse fills after the stream's delivery buffer: one row always, zeros until then.
pm.test('one row for the one day asked', () => {
  const body = pm.response.json();
  pm.expect(body.rows).to.have.length(1);
  pm.expect(body.filters).to.eql({ from: '2010-12-01', to: '2010-12-01', country: null });
});`,
    }),
    ...everyView,
    request({
      name: 'GET /analytics/headline?from=2011-02-30: 400',
      method: 'GET',
      base: 'visualization',
      path: '/analytics/headline',
      query: [['from', '2011-02-30']],
      tests: invalidParameterTests('query', 'from'),
    }),
    request({
      name: 'GET /analytics/revenue-by-country?country=<script>: 400',
      method: 'GET',
      base: 'visualization',
      path: '/analytics/revenue-by-country',
      query: [['country', '<script>']],
      tests: invalidParameterTests('query', 'country'),
    }),
    request({
      name: 'GET /dashboard (no key needed): the page',
      method: 'GET',
      base: 'visualization',
      path: '/dashboard',
      withoutKey: true,
      tests: `
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('is the HTML page, loading its script from this origin only', () => {
  pm.expect(pm.response.headers.get('content-type')).to.include('text/html');
  pm.expect(pm.response.text()).to.include('./dashboard/dashboard.js');
  pm.expect(pm.response.headers.get('content-security-policy')).to.include("script-src 'self'");
});`,
    }),
    request({
      name: 'GET /dashboard/dashboard.js (no key needed): the script',
      method: 'GET',
      base: 'visualization',
      path: '/dashboard/dashboard.js',
      withoutKey: true,
      tests: `
pm.test('status is 200', () => pm.response.to.have.status(200));
pm.test('is JavaScript', () => pm.expect(pm.response.headers.get('content-type')).to.include('text/javascript'));`,
    }),
    request({
      name: 'GET /analytics/headline without the API key: 403',
      method: 'GET',
      base: 'visualization',
      path: '/analytics/headline',
      withoutKey: true,
      tests: forbiddenTests(),
    }),
  ];
}

function invalidParameterTests(location: 'path' | 'query', name: string): string {
  return `
${schemaConstant(InvalidParametersBodySchema)}
pm.test('status is 400', () => pm.response.to.have.status(400));
pm.test('body matches InvalidParameters', () => pm.response.to.have.jsonSchema(schema));
pm.test('the problem is the ${location} parameter ${name}', () => {
  pm.expect(pm.response.json().problems.map((problem) => problem.in + ' ' + problem.name)).to.eql(['${location} ${name}']);
});`;
}

function forbiddenTests(): string {
  return `
${schemaConstant(ErrorBodySchema)}
pm.test('status is 403', () => pm.response.to.have.status(403));
pm.test('body matches Error', () => pm.response.to.have.jsonSchema(schema));`;
}

/** The response schema as draft-07 JSON Schema, which the Postman sandbox's ajv validates. */
function schemaConstant(schema: z.ZodType): string {
  const { $schema: _dialect, ...draft7 } = z.toJSONSchema(schema, { target: 'draft-7', io: 'output' });
  return `const schema = ${JSON.stringify(draft7)};`;
}

function folder(name: string, item: unknown[], auth?: unknown): Record<string, unknown> {
  return { name, item, ...(auth === undefined ? {} : { auth }) };
}

function request(spec: RequestSpec): Record<string, unknown> {
  const base = `{{${BASE_URL[spec.base]}}}`;
  const query = spec.query ?? [];
  const raw = `${base}${spec.path}${query.length > 0 ? `?${query.map(([key, value]) => `${key}=${value}`).join('&')}` : ''}`;
  const events = [
    ...(spec.prerequest === undefined ? [] : [{ listen: 'prerequest', script: script(spec.prerequest) }]),
    { listen: 'test', script: script(spec.tests) },
  ];
  return {
    name: spec.name,
    event: events,
    request: {
      method: spec.method,
      ...(spec.withoutKey ? { auth: { type: 'noauth' } } : {}),
      header: [],
      ...(spec.body === undefined
        ? {}
        : { body: { mode: 'raw', raw: JSON.stringify(spec.body, null, 2), options: { raw: { language: 'json' } } } }),
      url: {
        raw,
        host: [base],
        path: spec.path.split('/').filter((segment) => segment !== ''),
        ...(query.length > 0 ? { query: query.map(([key, value]) => ({ key, value })) } : {}),
      },
    },
  };
}

function apiKeyAuth(variable: string): Record<string, unknown> {
  return {
    type: 'apikey',
    apikey: [
      { key: 'key', value: API_KEY_HEADER, type: 'string' },
      { key: 'value', value: `{{${variable}}}`, type: 'string' },
      { key: 'in', value: 'header', type: 'string' },
    ],
  };
}

function script(source: string): { type: string; exec: string[] } {
  return { type: 'text/javascript', exec: source.trim().split('\n') };
}
