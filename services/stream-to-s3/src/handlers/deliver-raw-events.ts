import { createInvoiceLineRecordProcessor, createRawEventSinkFromEnvironment } from '@retail/adapters';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { deliverRawEventRecords } from '../deliver-raw-event-records';
import { logger } from '../logger';

// Built once per Lambda container: a missing setting fails the cold start, not every batch.
const rawEventSink = createRawEventSinkFromEnvironment();
const processor = createInvoiceLineRecordProcessor(logger);

export const handler = async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
  logger.addContext(context);
  return deliverRawEventRecords(event, { processor, rawEventSink, logger }, context);
};
