import { createRawEventSinkFromEnvironment } from '@retail/adapters';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createRawEventRecordProcessor, deliverRawEventRecords } from '../deliver-raw-event-records';
import { logger } from '../logger';

// Built once per Lambda container: a missing setting fails the cold start, not every batch.
const rawEventSink = createRawEventSinkFromEnvironment();
const processor = createRawEventRecordProcessor(logger);

export const handler = async (event: KinesisStreamEvent, context: Context): Promise<KinesisStreamBatchResponse> => {
  logger.addContext(context);
  return deliverRawEventRecords(event, { processor, rawEventSink, logger }, context);
};
