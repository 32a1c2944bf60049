import { handleKinesisBatch } from '@retail/lambda-plumbing';
import { invoiceLineRecordsWriter } from '../composition';
import { writeInvoiceLineRecords } from '../write-invoice-line-records';

export const handler = handleKinesisBatch((event, context) =>
  writeInvoiceLineRecords(event, invoiceLineRecordsWriter, context),
);
