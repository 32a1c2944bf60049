import { createDynamoDbDocumentClient } from './aws-clients';
import { DynamoDbInvoiceStore } from './dynamodb-invoice-store';
import type { InvoiceStore } from './invoice-store';

/** Set by each service's serverless.yml from the platform stack (param invoiceTableName). */
export const INVOICE_TABLE_NAME_VARIABLE = 'INVOICE_TABLE_NAME';

/** The invoice store of the deployed (or local) platform; call it once, at module scope, so a missing setting fails the cold start. */
export function createInvoiceStoreFromEnvironment(environment: NodeJS.ProcessEnv = process.env): InvoiceStore {
  const tableName = environment[INVOICE_TABLE_NAME_VARIABLE]?.trim();
  if (!tableName) {
    throw new Error(
      `${INVOICE_TABLE_NAME_VARIABLE} is not set: set it to the invoice table's name (serverless.yml sets it from \${param:invoiceTableName})`,
    );
  }
  return new DynamoDbInvoiceStore({ client: createDynamoDbDocumentClient(), tableName });
}
