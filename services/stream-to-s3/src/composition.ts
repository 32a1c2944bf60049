import { createFirehoseClient, createInvoiceLineRecordProcessor, FirehoseRawEventSink } from '@retail/adapters';
import { requiredEnvironmentVariable, serviceLogger } from '@retail/lambda-plumbing';
import type { RawEventRecordsDeliverer } from './deliver-raw-event-records';

const logger = serviceLogger();

/** The stream-to-s3 composition root, built once per Lambda environment: a missing setting fails the cold start, not every batch. */
export const rawEventRecordsDeliverer: RawEventRecordsDeliverer = {
  processor: createInvoiceLineRecordProcessor(logger),
  rawEventSink: new FirehoseRawEventSink(
    createFirehoseClient(),
    requiredEnvironmentVariable(
      'RAW_DELIVERY_STREAM_NAME',
      "set it to the raw events delivery stream's name (serverless.yml sets it from ${param:rawDeliveryStreamName})",
    ),
  ),
  logger,
};
