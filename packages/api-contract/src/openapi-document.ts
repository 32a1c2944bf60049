import * as z from 'zod';
import {
  ANALYTICS_BODY_SCHEMAS,
  ANALYTICS_VIEW_NAMES,
  ANALYTICS_VIEWS,
  AnalyticsFiltersSchema,
  AnalyticsQuerySchema,
  type AnalyticsViewName,
} from './analytics-api';
import { ErrorBodySchema, InvalidParametersBodySchema, ParameterProblemSchema } from './error-bodies';
import {
  INGEST_MEDIA_TYPES,
  InvalidRowsBodySchema,
  InvoiceLineRowSchema,
  InvoiceLinesAcceptedBodySchema,
  InvoiceLinesNotWrittenBodySchema,
  PutInvoiceLinesCsvBodySchema,
  PutInvoiceLinesJsonBodySchema,
  RowProblemSchema,
} from './ingest-api';
import {
  CustomerIdParameterSchema,
  CustomerInvoiceSchema,
  CustomerInvoicesBodySchema,
  INVOICE_NO_QUERY_PARAMETER,
  InvoiceItemSchema,
  InvoiceItemsBodySchema,
  InvoiceNoParameterSchema,
  InvoiceSchema,
  NextTokenParameterSchema,
  PageSizeParameterSchema,
} from './visualization-api';

/**
 * The OpenAPI 3.1 document of both APIs, generated from the zod schemas the services parse and answer with
 * (`npm run openapi` writes it to packages/api-contract/openapi.json; a test fails when the file is stale).
 */

type JsonSchema = Record<string, unknown>;
export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  paths: Record<string, Record<string, OpenApiOperation>>;
};
export type OpenApiOperation = { operationId: string; security: Record<string, string[]>[] } & Record<string, unknown>;

export const API_KEY_HEADER = 'x-api-key';
const API_KEY_SCHEME = 'apiKey';

/** Every schema with a name in components.schemas, by how it is generated: requests as they are sent, responses as answered. */
const REQUEST_SCHEMAS = {
  InvoiceLineRow: InvoiceLineRowSchema,
  PutInvoiceLinesJsonBody: PutInvoiceLinesJsonBodySchema,
  PutInvoiceLinesCsvBody: PutInvoiceLinesCsvBodySchema,
};
const RESPONSE_SCHEMAS = {
  Error: ErrorBodySchema,
  ParameterProblem: ParameterProblemSchema,
  InvalidParameters: InvalidParametersBodySchema,
  RowProblem: RowProblemSchema,
  InvalidRows: InvalidRowsBodySchema,
  InvoiceLinesAccepted: InvoiceLinesAcceptedBodySchema,
  InvoiceLinesNotWritten: InvoiceLinesNotWrittenBodySchema,
  Invoice: InvoiceSchema,
  InvoiceItem: InvoiceItemSchema,
  InvoiceItems: InvoiceItemsBodySchema,
  CustomerInvoice: CustomerInvoiceSchema,
  CustomerInvoices: CustomerInvoicesBodySchema,
  AnalyticsFilters: AnalyticsFiltersSchema,
  ...Object.fromEntries(ANALYTICS_VIEW_NAMES.map((view) => [analyticsSchemaName(view), ANALYTICS_BODY_SCHEMAS[view]])),
} as Record<string, z.ZodType>;

/** Analytics<View> in components.schemas, e.g. AnalyticsMonthlyRevenue for /analytics/monthly-revenue. */
function analyticsSchemaName(view: AnalyticsViewName): string {
  return `Analytics${view.replace(/(^|-)([a-z])/g, (_match, _dash, letter: string) => letter.toUpperCase())}`;
}

export interface OpenApiServers {
  /** The local platform's base URL, stage included. */
  localApiUrl: string;
  /** Defaults of the deployed stage's server variables. */
  region: string;
  stage: string;
}

export function buildOpenApiDocument(version: string, servers: OpenApiServers): OpenApiDocument {
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Online Retail data platform API',
      version,
      summary: 'Send invoice lines of the UCI Online Retail data set in; look invoices and customers up.',
      description:
        'Two services behind API Gateway (REST): ingest (`POST /invoice-lines`) and visualization (the `GET` routes). ' +
        'Locally (`npm start`) both answer on one base URL with one key (`apiUrl` and `apiKey` in `.local/stack.json`). ' +
        'On AWS each service is its own REST API with its own id and API key: `sls info --stage <stage>` in services/ingest and ' +
        "services/visualization-api shows them. Names are the data set's columns in camelCase; amounts are exact decimals.",
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [
      { url: servers.localApiUrl, description: 'The local platform (npm start).' },
      {
        url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: 'A deployed stage (each service has its own restApiId).',
        variables: {
          restApiId: { default: 'restApiId', description: 'The REST API id that `sls info` shows for the service.' },
          region: { default: servers.region },
          stage: { default: servers.stage },
        },
      },
    ],
    tags: [
      { name: 'ingest', description: 'Invoice lines in: validated, then put on the Kinesis stream.' },
      { name: 'visualization', description: 'Invoices and customers out, from DynamoDB.' },
      {
        name: 'analytics',
        description:
          "The dashboard's figures, from the warehouse (Redshift; locally PostgreSQL), filtered by dates and country.",
      },
      { name: 'contract', description: 'This document.' },
    ],
    paths: {
      '/invoice-lines': {
        post: putInvoiceLines(),
        get: getInvoiceItemsByQuery(
          'getInvoiceLinesByQuery',
          "The course's client form: `GET` on the resource it posts to, with `?InvoiceNo=`.",
        ),
      },
      '/invoices': {
        get: getInvoiceItemsByQuery(
          'getInvoiceItemsByQuery',
          'The query-string form of `GET /invoices/{invoiceNo}/items`.',
        ),
      },
      '/invoices/{invoiceNo}/items': {
        get: operation({
          operationId: 'getInvoiceItems',
          tags: ['visualization'],
          summary: 'An invoice and its lines',
          description:
            'The invoice (date, customer, country, line count, total) and every line in the order the source gave them. Cancellations (C...) and adjustments (A...) too.',
          parameters: [parameter('invoiceNo', 'path', InvoiceNoParameterSchema, true)],
          responses: invoiceItemsResponses(),
        }),
      },
      '/customers/{customerId}/invoices': {
        get: operation({
          operationId: 'listCustomerInvoices',
          tags: ['visualization'],
          summary: "A customer's invoices, newest first",
          description:
            'Paginated: pass `nextToken` of a page to get the next one; the last page has `nextToken: null`. A customer with no invoices gets an empty list.',
          parameters: [
            parameter('customerId', 'path', CustomerIdParameterSchema, true),
            parameter('limit', 'query', PageSizeParameterSchema, false),
            parameter('nextToken', 'query', NextTokenParameterSchema, false),
          ],
          responses: {
            '200': jsonResponse("One page of the customer's invoices.", 'CustomerInvoices'),
            '400': jsonResponse(
              'A malformed customerId, limit or nextToken (or a nextToken of another list).',
              'InvalidParameters',
            ),
            ...gatewayResponses(),
          },
        }),
      },
      ...Object.fromEntries(ANALYTICS_VIEW_NAMES.map((view) => [`/analytics/${view}`, { get: getAnalytics(view) }])),
      '/dashboard': { get: getDashboardAsset('getDashboard', 'The dashboard page', 'text/html') },
      '/dashboard/{asset}': {
        get: {
          ...getDashboardAsset('getDashboardAsset', "The dashboard page's script", 'text/javascript'),
          parameters: [
            {
              name: 'asset',
              in: 'path',
              required: true,
              description: 'The file the page loads.',
              schema: { type: 'string', enum: ['dashboard.js'] },
            },
          ],
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          tags: ['contract'],
          summary: 'This document',
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI document.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        [API_KEY_SCHEME]: {
          type: 'apiKey',
          in: 'header',
          name: API_KEY_HEADER,
          description:
            "The stage's API key (API Gateway usage plan, throttled); locally `apiKey` of `.local/stack.json`.",
        },
      },
    },
  };
}

function putInvoiceLines(): OpenApiOperation {
  const [json, csv] = INGEST_MEDIA_TYPES;
  return operation({
    operationId: 'putInvoiceLines',
    tags: ['ingest'],
    summary: 'Send invoice lines',
    description:
      'Validates every row, then puts them on the stream (partition key InvoiceNo). A request without Content-Type is read as JSON.',
    requestBody: {
      required: true,
      content: { [json]: { schema: ref('PutInvoiceLinesJsonBody') }, [csv]: { schema: ref('PutInvoiceLinesCsvBody') } },
    },
    responses: {
      '202': jsonResponse('Every row is on the stream.', 'InvoiceLinesAccepted'),
      '400': {
        description: 'Invalid rows (`problems` lists each) or a body that is not rows at all; nothing was written.',
        content: { 'application/json': { schema: { oneOf: [ref('InvalidRows'), ref('Error')] } } },
      },
      '413': jsonResponse('Too many rows or bytes for one request; split them.', 'Error'),
      '415': {
        ...jsonResponse('A Content-Type or charset the endpoint does not read.', 'Error'),
        headers: { 'accept-post': { description: 'The media types accepted.', schema: { type: 'string' } } },
      },
      '503': {
        ...jsonResponse('Some rows did not reach the stream after retries; send them again.', 'InvoiceLinesNotWritten'),
        headers: {
          'retry-after': { description: 'Seconds to wait before sending again.', schema: { type: 'string' } },
        },
      },
      ...gatewayResponses(),
    },
  });
}

function getAnalytics(view: AnalyticsViewName): OpenApiOperation {
  const { from, to, country } = AnalyticsQuerySchema.shape;
  return operation({
    operationId: `getAnalytics${analyticsSchemaName(view).slice('Analytics'.length)}`,
    tags: ['analytics'],
    summary: ANALYTICS_VIEWS[view].summary,
    description: `${ANALYTICS_VIEWS[view].description} SQL: resources/warehouse/analytics/${view}.sql.`,
    parameters: [
      parameter('from', 'query', from, false),
      parameter('to', 'query', to, false),
      parameter('country', 'query', country, false),
    ],
    responses: {
      '200': jsonResponse('The filters applied and the rows.', analyticsSchemaName(view)),
      '400': jsonResponse('A malformed day or country, or from after to.', 'InvalidParameters'),
      ...gatewayResponses(),
    },
  });
}

/** The page and its script hold no data (every figure comes from the /analytics routes, with the key): no key. */
function getDashboardAsset(operationId: string, summary: string, mediaType: string): OpenApiOperation {
  return {
    operationId,
    tags: ['analytics'],
    summary,
    description:
      'Open /dashboard in a browser; the page asks for the API key (or takes it from the URL fragment #apiKey=).',
    security: [],
    responses: {
      '200': { description: summary, content: { [mediaType]: { schema: { type: 'string' } } } },
      '404': jsonResponse('No such file of the dashboard.', 'Error'),
    },
  };
}

function getInvoiceItemsByQuery(operationId: string, summary: string): OpenApiOperation {
  return operation({
    operationId,
    tags: ['visualization'],
    summary,
    description: `Same answer as \`GET /invoices/{invoiceNo}/items\`. The column's other names (invoiceNo, Invoice) work as the parameter name too.`,
    parameters: [parameter(INVOICE_NO_QUERY_PARAMETER, 'query', InvoiceNoParameterSchema, true)],
    responses: invoiceItemsResponses(),
  });
}

function invoiceItemsResponses(): Record<string, unknown> {
  return {
    '200': jsonResponse('The invoice and its lines.', 'InvoiceItems'),
    '400': jsonResponse('A malformed or missing invoice number.', 'InvalidParameters'),
    '404': jsonResponse('No line of this invoice has been loaded.', 'Error'),
    ...gatewayResponses(),
  };
}

/** What API Gateway answers itself on a private route, and the answer to a fault. */
function gatewayResponses(): Record<string, unknown> {
  return {
    '403': jsonResponse('No or a wrong API key (`x-api-key`).', 'Error'),
    '429': jsonResponse("Throttled by the key's usage plan; retry later.", 'Error'),
    '500': jsonResponse('The service failed; the message reveals nothing more. Retrying is safe.', 'Error'),
  };
}

/** Every operation but the document itself needs the API key. */
function operation(fields: { operationId: string } & Record<string, unknown>): OpenApiOperation {
  return { ...fields, security: [{ [API_KEY_SCHEME]: [] }] };
}

function parameter(
  name: string,
  location: 'path' | 'query',
  schema: z.ZodType,
  required: boolean,
): Record<string, unknown> {
  const { description, ...rest } = withoutDialect(
    z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', override: keepDeclaredDocumentation }),
  );
  return { name, in: location, required, description, schema: rest };
}

function jsonResponse(
  description: string,
  schemaName: string,
): { description: string; content: Record<string, unknown> } {
  return { description, content: { 'application/json': { schema: ref(schemaName) } } };
}

function ref(name: string): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

function componentSchemas(): Record<string, JsonSchema> {
  const generate = (schemas: Record<string, z.ZodType>, io: 'input' | 'output') => {
    const registry = z.registry<{ id: string }>();
    for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
    const { schemas: generated } = z.toJSONSchema(registry, {
      target: 'draft-2020-12',
      io,
      uri: (id) => `#/components/schemas/${id}`,
      override: keepDeclaredDocumentation,
    });
    return Object.fromEntries(
      Object.entries(generated).map(([id, schema]) => [id, withoutDialect(schema as JsonSchema)]),
    );
  };
  return { ...generate(REQUEST_SCHEMAS, 'input'), ...generate(RESPONSE_SCHEMAS, 'output') };
}

/**
 * zod leaves out `examples` and `default` of a schema that transforms what it reads (they could be output values);
 * ours are declared as sent, so they belong in the document. A declared `type` is what travels (a path or query
 * parameter is text, whatever else the domain's parser would also take), so it replaces the parser's union.
 */
function keepDeclaredDocumentation({ zodSchema, jsonSchema }: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const declared = z.globalRegistry.get(zodSchema as z.ZodType);
  if (declared?.examples !== undefined) jsonSchema.examples = declared.examples;
  if (declared?.default !== undefined) jsonSchema.default = declared.default;
  if (declared?.type !== undefined) {
    delete jsonSchema.anyOf;
    jsonSchema.type = declared.type;
  }
}

// The document declares the dialect once (jsonSchemaDialect); components are referenced, not identified by $id.
function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}
