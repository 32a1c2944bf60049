import { handleEvent } from '@retail/lambda-plumbing';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { rawEventRecordsDeliverer } from '../composition';
import { deliverRawEventRecords } from '../deliver-raw-event-records';

export const handler = handleEvent<KinesisStreamEvent, KinesisStreamBatchResponse>((event, context) =>
  deliverRawEventRecords(event, rawEventRecordsDeliverer, context),
);
