import { createInvoiceLineRecordProcessor, createInvoiceStoreFromEnvironment } from '@retail/adapters';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { logger } from '../logger';
import { writeInvoiceLineRecords } from '../write-invoice-line-records';

// Built once per Lambda container: a missing setting fails the cold start, not every batch.
const invoiceStore = createInvoiceStoreFromEnvironment();
const processor = createInvoiceLineRecordProcessor(logger);

export const handler = async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
  logger.addContext(context);
  return writeInvoiceLineRecords(event, { processor, invoiceStore, logger }, context);
};
