import {
  createDynamoDbDocumentClient,
  invoiceLineRecordProcessorFactory,
  DynamoDbInvoiceStore,
  S3FailedRecords,
} from '@retail/adapters';
import { requiredEnvironmentVariable, serviceLogger } from '@retail/lambda-plumbing';
import type { InvoiceLineRecordsWriter } from './write-invoice-line-records';

const logger = serviceLogger();

/** The stream-to-dynamo composition root, built once per Lambda environment: a missing setting fails the cold start, not every batch. */
export const invoiceLineRecordsWriter: InvoiceLineRecordsWriter = {
  newProcessor: invoiceLineRecordProcessorFactory(logger),
  invoiceStore: new DynamoDbInvoiceStore({
    client: createDynamoDbDocumentClient(),
    tableName: requiredEnvironmentVariable(
      'INVOICE_TABLE_NAME',
      "set it to the invoice table's name (serverless.yml sets it from ${param:invoiceTableName})",
    ),
  }),
  failedRecords: S3FailedRecords.ofBucketArn(
    requiredEnvironmentVariable(
      'FAILED_RECORDS_BUCKET_ARN',
      "set it to the failed-records bucket's ARN (serverless.yml sets it from ${param:failedRecordsBucketArn})",
    ),
  ),
  logger,
};
