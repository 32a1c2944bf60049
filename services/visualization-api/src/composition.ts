import {
  createDynamoDbDocumentClient,
  createRedshiftDataClient,
  DynamoDbInvoiceStore,
  RedshiftDataWarehouse,
  type InvoiceStore,
  type WarehouseQueries,
} from '@retail/adapters';
import { httpRequestHandling, requiredEnvironmentVariable } from '@retail/lambda-plumbing';

// Each handler module builds what it uses once per Lambda environment; a missing variable fails its cold start.

/** The invoice table (DynamoDB): what the invoice and customer reads use. */
export function invoiceStoreFromEnvironment(): InvoiceStore {
  return new DynamoDbInvoiceStore({
    client: createDynamoDbDocumentClient(),
    tableName: requiredEnvironmentVariable(
      'INVOICE_TABLE_NAME',
      "set it to the invoice table's name (serverless.yml sets it from ${param:invoiceTableName})",
    ),
  });
}

/**
 * The warehouse through the Redshift Data API (locally the local Data API, found by AWS_ENDPOINT_URL_REDSHIFT_DATA),
 * as the function's own IAM identity: no secret, the workgroup issues temporary database credentials.
 */
export function warehouseQueriesFromEnvironment(): WarehouseQueries {
  return new RedshiftDataWarehouse(
    createRedshiftDataClient(),
    {
      workgroupName: requiredEnvironmentVariable(
        'WAREHOUSE_WORKGROUP_NAME',
        "set it to the warehouse's Redshift Serverless workgroup (serverless.yml sets it from ${param:warehouseWorkgroupName})",
      ),
      database: requiredEnvironmentVariable(
        'WAREHOUSE_DATABASE',
        "set it to the warehouse's database (serverless.yml sets it from resources/names.yml's warehouseDatabase)",
      ),
    },
    // Below API Gateway's 29 s, so a slow query is cancelled and answered rather than cut off.
    { timeoutMs: 25_000 },
  );
}

/** Every visualization request: typed errors answered as they say, anything else a 500; answers log their path. */
export const handleHttpRequest = httpRequestHandling({
  unexpectedErrorMessage:
    'the visualization service failed unexpectedly; reads change nothing, so sending the request again is safe',
  answeredLogFields: (event) => ({ path: event.path }),
});
