import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@retail/adapters';
import {
  declaredBuckets,
  declaredDeliveryStreams,
  declaredKinesisSourcedDeliveryStreams,
} from '../cloudformation/read-platform-template';
import type { PlatformComponent } from '../platform-component';
import { LOCAL_CREDENTIALS, LOOPBACK_HOST } from '../platform-settings';
import type { DeliveryStreamResource } from '../stack-file';
import { jsonpathsDocument, readLandingColumns } from '../warehouse';
import type { KinesisSourcedDeliveryStreamConfig, KinesisSourcedOptions } from './kinesis-sourced-streams';
import { startLocalFirehose, type LocalDeliveryStreamConfig } from './local-firehose';
import { parseCopyOptions } from './redshift-destination';

const DELIVERY_STREAM_TYPE = 'AWS::KinesisFirehose::DeliveryStream';
/**
 * The declared buffering (64 MB / 60 s) is what AWS does, and what `npm start` does. Tests and impatient users
 * can shorten the interval; the variable is the only way to change it, so the template stays the truth.
 */
export const FIREHOSE_BUFFER_INTERVAL_VARIABLE = 'RETAIL_FIREHOSE_BUFFER_INTERVAL_SECONDS';
/**
 * Multiplies a Redshift destination's RetryOptions and the 5 minutes between its COPY attempts (e.g. 0.001: an hour
 * of retries in 3.6 s, the same number of attempts), for tests that must see a load given up on.
 */
export const FIREHOSE_RETRY_TIME_SCALE_VARIABLE = 'RETAIL_FIREHOSE_RETRY_TIME_SCALE';

export interface LocalFirehoseSettings {
  /** Instead of each delivery stream's declared buffering interval. */
  bufferIntervalSeconds?: number;
  /** Multiplies the Redshift destinations' retry durations (see FIREHOSE_RETRY_TIME_SCALE_VARIABLE). */
  retryTimeScale?: number;
}

/** The interval `npm start` users set with FIREHOSE_BUFFER_INTERVAL_VARIABLE, if any. */
export function firehoseBufferIntervalFromEnvironment(environment = process.env): number | undefined {
  const seconds = environment[FIREHOSE_BUFFER_INTERVAL_VARIABLE];
  return seconds ? Number(seconds) : undefined;
}

/** The scale `npm start` users set with FIREHOSE_RETRY_TIME_SCALE_VARIABLE, if any. */
export function firehoseRetryTimeScaleFromEnvironment(environment = process.env): number | undefined {
  const scale = environment[FIREHOSE_RETRY_TIME_SCALE_VARIABLE];
  return scale ? Number(scale) : undefined;
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
      const kinesisSourcedStreams = declaredKinesisSourcedDeliveryStreams(platform.template, platform.accountId);
      const firehose = await startLocalFirehose({
        port,
        host: LOOPBACK_HOST,
        stateDir: path.join(platform.stateDir, 'firehose'),
        s3Endpoint,
        deliveryStreams,
        bufferingOverride:
          intervalSeconds !== undefined ? { intervalInMilliseconds: Number(intervalSeconds) * 1000 } : undefined,
        log: (message) => log.warn(`firehose: ${message}`),
        kinesisSourced:
          kinesisSourcedStreams.length === 0
            ? undefined
            : kinesisSourcedOptions(kinesisSourcedStreams, {
                endpoints: stack.endpoints,
                warehouseUrl: stack.warehouseUrl,
                region: platform.template.region,
                retryTimeScale: settings.retryTimeScale,
              }),
      });
      const buckets = declaredBuckets(platform.template, platform.accountId);
      const resources = Object.fromEntries(
        [
          ...declared.map((stream) => ({ ...stream, destination: 'S3' as const })),
          ...kinesisSourcedStreams.map((stream) => ({ ...stream, destination: 'Redshift' as const })),
        ].map(
          ({
            logicalId,
            name,
            arn,
            destination,
            bucket,
            prefix,
            errorOutputPrefix,
          }): [string, DeliveryStreamResource] => {
            const bucketLogicalId = buckets.find((candidate) => candidate.name === bucket)?.logicalId;
            return [logicalId, { name, arn, destination, bucket, bucketLogicalId, prefix, errorOutputPrefix }];
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

/**
 * The Redshift streams load into the local warehouse (the merge is the schedule's, as on AWS: Firehose runs nothing
 * after its COPY); before they read, the jsonpaths
 * file their CopyOptions name is written from resources/warehouse/landing-columns.yml (the deploy's job on AWS).
 */
function kinesisSourcedOptions(
  streams: readonly KinesisSourcedDeliveryStreamConfig[],
  where: {
    endpoints: { kinesis?: string; s3?: string };
    warehouseUrl: string | undefined;
    region: string;
    retryTimeScale: number | undefined;
  },
): KinesisSourcedOptions {
  const { endpoints, warehouseUrl, region, retryTimeScale } = where;
  const { kinesis, s3 } = endpoints;
  if (kinesis === undefined || s3 === undefined || warehouseUrl === undefined)
    throw new Error(
      'A Kinesis-sourced Redshift delivery stream needs Kinesis, S3 and the warehouse started in an earlier phase.',
    );
  return {
    deliveryStreams: streams,
    kinesisEndpoint: kinesis,
    warehouseUrl,
    timing: retryTimeScale === undefined ? undefined : { retryTimeScale },
    prepare: async () => {
      const jsonpaths = JSON.stringify(jsonpathsDocument(await readLandingColumns()));
      const client = createS3Client({ region, credentials: LOCAL_CREDENTIALS, endpoints: { s3 } });
      try {
        for (const stream of streams) {
          const copyOptions = (stream.destination as { CopyCommand?: { CopyOptions?: unknown } }).CopyCommand
            ?.CopyOptions;
          const { json } = await parseCopyOptions(
            String(copyOptions ?? ''),
            `Delivery stream ${stream.name} CopyOptions`,
          );
          if (json.kind === 'jsonpaths')
            await client.send(new PutObjectCommand({ Bucket: json.bucket, Key: json.key, Body: jsonpaths }));
        }
      } finally {
        client.destroy();
      }
    },
  };
}
