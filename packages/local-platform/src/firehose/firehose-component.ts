import path from 'node:path';
import { declaredBuckets, declaredDeliveryStreams } from '../cloudformation/read-platform-template';
import type { PlatformComponent } from '../platform-component';
import { LOOPBACK_HOST } from '../platform-settings';
import type { DeliveryStreamResource } from '../stack-file';
import { startLocalFirehose, type LocalDeliveryStreamConfig } from './local-firehose';

const DELIVERY_STREAM_TYPE = 'AWS::KinesisFirehose::DeliveryStream';
/**
 * The declared buffering (64 MB / 60 s) is what AWS does, and what `npm start` does. Tests and impatient users
 * can shorten the interval; the variable is the only way to change it, so the template stays the truth.
 */
export const FIREHOSE_BUFFER_INTERVAL_VARIABLE = 'RETAIL_FIREHOSE_BUFFER_INTERVAL_SECONDS';

export interface LocalFirehoseSettings {
  /** Instead of each delivery stream's declared buffering interval. */
  bufferIntervalSeconds?: number;
}

/** The interval `npm start` users set with FIREHOSE_BUFFER_INTERVAL_VARIABLE, if any. */
export function firehoseBufferIntervalFromEnvironment(environment = process.env): number | undefined {
  const seconds = environment[FIREHOSE_BUFFER_INTERVAL_VARIABLE];
  return seconds ? Number(seconds) : undefined;
}

/** The local Firehose, configured from the template's delivery streams; needs S3 in an earlier phase. */
export function localFirehoseComponent(port: number, settings: LocalFirehoseSettings = {}): PlatformComponent {
  return {
    name: 'firehose',
    resourceTypes: [DELIVERY_STREAM_TYPE],
    async start({ platform, stack, log }) {
      const s3Endpoint = stack.endpoints.s3;
      if (s3Endpoint === undefined)
        throw new Error('The local Firehose needs the S3 emulator started in an earlier phase.');
      const declared = declaredDeliveryStreams(platform.template, platform.accountId);
      const deliveryStreams: LocalDeliveryStreamConfig[] = declared.map(({ name, arn, destination }) => ({
        name,
        arn,
        destination,
      }));
      const intervalSeconds = settings.bufferIntervalSeconds;
      const firehose = await startLocalFirehose({
        port,
        host: LOOPBACK_HOST,
        stateDir: path.join(platform.stateDir, 'firehose'),
        s3Endpoint,
        deliveryStreams,
        bufferingOverride:
          intervalSeconds !== undefined ? { intervalInMilliseconds: Number(intervalSeconds) * 1000 } : undefined,
        log: (message) => log.warn(`firehose: ${message}`),
      });
      const buckets = declaredBuckets(platform.template, platform.accountId);
      const resources = Object.fromEntries(
        declared.map(
          ({ logicalId, name, arn, bucket, prefix, errorOutputPrefix }): [string, DeliveryStreamResource] => {
            const bucketLogicalId = buckets.find((candidate) => candidate.name === bucket)?.logicalId;
            return [logicalId, { name, arn, bucket, bucketLogicalId, prefix, errorOutputPrefix }];
          },
        ),
      );
      return {
        contribution: {
          endpoints: { firehose: firehose.endpoint },
          environment: { AWS_ENDPOINT_URL_FIREHOSE: firehose.endpoint },
          resources: { deliveryStreams: resources },
        },
        stop: () => firehose.stop(),
      };
    },
  };
}
