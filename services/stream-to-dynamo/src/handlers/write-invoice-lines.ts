import { handleEvent } from '@retail/lambda-plumbing';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { invoiceLineRecordsWriter } from '../composition';
import { writeInvoiceLineRecords } from '../write-invoice-line-records';

export const handler = handleEvent<KinesisStreamEvent, KinesisStreamBatchResponse>((event, context) =>
  writeInvoiceLineRecords(event, invoiceLineRecordsWriter, context),
);
