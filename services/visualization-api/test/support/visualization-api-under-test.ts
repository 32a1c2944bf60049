import { createDynamoDbDocumentClient, DynamoDbInvoiceStore } from '@retail/adapters';
import {
  lambdaContext,
  startDynamoDbTestServer,
  useDynamoDbEmulatorEnvironment,
  type DynamoDbTestServer,
  readSampleRows,
  sampleLines,
} from '@retail/test-support';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { InvoiceStore } from '@retail/adapters';
import type { HttpHandler } from '@retail/lambda-plumbing';
import { getRequest, visualizationApiFunction, type GetRequest } from './api-gateway-event';

export interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  /** The parsed JSON body. */
  body: unknown;
}

export interface VisualizationApiUnderTest {
  dynamodb: DynamoDbTestServer;
  /** The rows of data/online-retail-sample.csv, as the file has them. */
  sampleRows: Record<string, string>[];
  /** The deployed handlers, composed from the environment as on AWS. */
  getInvoiceItems: HttpHandler;
  listCustomerInvoices: HttpHandler;
  /** The same handlers on another store. */
  getInvoiceItemsOn(store: InvoiceStore): HttpHandler;
  listCustomerInvoicesOn(store: InvoiceStore): HttpHandler;
  get(handler: HttpHandler, request: GetRequest): Promise<Answer>;
  stop(): Promise<void>;
}

/**
 * An in-memory DynamoDB holding the invoice table as resources/dynamodb.yml declares it, filled with the real sample
 * through the real write path (DynamoDbInvoiceStore, as stream-to-dynamo writes it); then the environment the local
 * platform gives the functions, and only then the handlers (they build their store at module scope).
 */
export async function startVisualizationApiUnderTest(): Promise<VisualizationApiUnderTest> {
  const dynamodb = await startDynamoDbTestServer();
  useDynamoDbEmulatorEnvironment(dynamodb.endpoint);
  const tableName = await dynamodb.createInvoiceTable();
  const sampleRows = await readSampleRows();
  const writer = new DynamoDbInvoiceStore({ client: createDynamoDbDocumentClient(), tableName });
  const unsaved = await writer.saveInvoiceLines(sampleLines(sampleRows));
  if (unsaved.length > 0) throw new Error(`the sample was not fully stored: ${JSON.stringify(unsaved.slice(0, 3))}`);

  process.env.INVOICE_TABLE_NAME = tableName;
  // Powertools writes to the global console in dev mode, where tests can read and silence it.
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_SERVICE_NAME = 'retail-visualization-api';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const [
    { handler: getInvoiceItems, getInvoiceItemsHandler },
    { handler: listCustomerInvoices, listCustomerInvoicesHandler },
  ] = await Promise.all([
    import('../../src/handlers/get-invoice-items'),
    import('../../src/handlers/list-customer-invoices'),
  ]);

  const get = async (handler: HttpHandler, request: GetRequest): Promise<Answer> => {
    const result: APIGatewayProxyResult = await handler(
      getRequest(request),
      lambdaContext(visualizationApiFunction('test')),
    );
    return {
      statusCode: result.statusCode,
      headers: (result.headers ?? {}) as Record<string, string>,
      body: JSON.parse(result.body),
    };
  };

  return {
    dynamodb,
    sampleRows,
    getInvoiceItems,
    listCustomerInvoices,
    getInvoiceItemsOn: getInvoiceItemsHandler,
    listCustomerInvoicesOn: listCustomerInvoicesHandler,
    get,
    stop: () => dynamodb.stop(),
  };
}
