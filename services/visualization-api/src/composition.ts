import { createDynamoDbDocumentClient, DynamoDbInvoiceStore, type InvoiceStore } from '@retail/adapters';
import { httpRequestHandling, requiredEnvironmentVariable } from '@retail/lambda-plumbing';

/** The visualization API's store, built once per Lambda environment: a missing INVOICE_TABLE_NAME fails the cold start. */
export const invoiceStore: InvoiceStore = new DynamoDbInvoiceStore({
  client: createDynamoDbDocumentClient(),
  tableName: requiredEnvironmentVariable(
    'INVOICE_TABLE_NAME',
    "set it to the invoice table's name (serverless.yml sets it from ${param:invoiceTableName})",
  ),
});

/** Every visualization request: typed errors answered as they say, anything else a 500; answers log their path. */
export const handleHttpRequest = httpRequestHandling({
  unexpectedErrorMessage:
    'the visualization service failed unexpectedly; reads change nothing, so sending the request again is safe',
  answeredLogFields: (event) => ({ path: event.path }),
});
