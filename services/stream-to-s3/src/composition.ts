import {
  createFirehoseClient,
  invoiceLineRecordProcessorFactory,
  FirehoseRawEventSink,
  S3FailedRecords,
} from '@retail/adapters';
import { requiredEnvironmentVariable, serviceLogger } from '@retail/lambda-plumbing';
import type { RawEventRecordsDeliverer } from './deliver-raw-event-records';

const logger = serviceLogger();

/** The stream-to-s3 composition root, built once per Lambda environment: a missing setting fails the cold start, not every batch. */
export const rawEventRecordsDeliverer: RawEventRecordsDeliverer = {
  newProcessor: invoiceLineRecordProcessorFactory(logger),
  rawEventSink: new FirehoseRawEventSink(
    createFirehoseClient(),
    requiredEnvironmentVariable(
      'RAW_DELIVERY_STREAM_NAME',
      "set it to the raw events delivery stream's name (serverless.yml sets it from ${param:rawDeliveryStreamName})",
    ),
  ),
  failedRecords: S3FailedRecords.ofBucketArn(
    requiredEnvironmentVariable(
      'FAILED_RECORDS_BUCKET_ARN',
      "set it to the failed-records bucket's ARN (serverless.yml sets it from ${param:failedRecordsBucketArn})",
    ),
  ),
  logger,
};
