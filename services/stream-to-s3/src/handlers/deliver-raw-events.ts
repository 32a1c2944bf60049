import { handleKinesisBatch } from '@retail/lambda-plumbing';
import { rawEventRecordsDeliverer } from '../composition';
import { deliverRawEventRecords } from '../deliver-raw-event-records';

export const handler = handleKinesisBatch((event, context) =>
  deliverRawEventRecords(event, rawEventRecordsDeliverer, context),
);
