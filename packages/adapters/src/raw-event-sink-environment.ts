import { createFirehoseClient } from './aws-clients';
import { FirehoseRawEventSink } from './firehose-raw-event-sink';
import type { RawEventSink } from './raw-event-sink';

/** Set by services/stream-to-s3/serverless.yml from the platform stack (param rawDeliveryStreamName). */
export const RAW_DELIVERY_STREAM_NAME_VARIABLE = 'RAW_DELIVERY_STREAM_NAME';

/** The raw archive of the deployed (or local) platform; call it once, at module scope, so a missing setting fails the cold start. */
export function createRawEventSinkFromEnvironment(environment: NodeJS.ProcessEnv = process.env): RawEventSink {
  const streamName = environment[RAW_DELIVERY_STREAM_NAME_VARIABLE]?.trim();
  if (!streamName) {
    throw new Error(
      `${RAW_DELIVERY_STREAM_NAME_VARIABLE} is not set: set it to the raw events delivery stream's name (serverless.yml sets it from \${param:rawDeliveryStreamName})`,
    );
  }
  return new FirehoseRawEventSink(createFirehoseClient(), streamName);
}
