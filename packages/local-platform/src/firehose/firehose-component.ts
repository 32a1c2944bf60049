import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { intrinsicContextOf } from '../cloudformation/read-platform-template';
import { arnOf, physicalNameOf, resolveIntrinsics } from '../cloudformation/resolve-intrinsics';
import { isJsonObject } from '../json-object';
import type { PlatformComponent } from '../platform-component';
import { LOOPBACK_HOST } from '../platform-settings';
import { createLocalAwsClients } from '../local-aws-clients';
import type { DeliveryStreamResource } from '../stack-file';
import { mergeLanding, WAREHOUSE_SQL_DIR } from '../warehouse';
import type { KinesisSourcedDeliveryStreamConfig, KinesisSourcedOptions } from './kinesis-sourced-streams';
import { landingJsonpathsDocument, readLandingColumns } from './landing-jsonpaths';
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

/** The local Firehose, configured from the template's delivery streams; needs S3 in an earlier phase. */
export function localFirehoseComponent(port: number): PlatformComponent {
  return {
    name: 'firehose',
    resourceTypes: [DELIVERY_STREAM_TYPE],
    async start({ platform, stack, log }) {
      const s3Endpoint = stack.endpoints.s3;
      if (s3Endpoint === undefined)
        throw new Error('The local Firehose needs the S3 emulator started in an earlier phase.');
      const context = intrinsicContextOf(platform.template, platform.accountId);
      const declaredStreams = Object.entries(platform.template.resources).filter(
        ([, resource]) => resource.Type === DELIVERY_STREAM_TYPE,
      );
      const isKinesisSourced = (properties: unknown) =>
        isJsonObject(properties) && properties.DeliveryStreamType === 'KinesisStreamAsSource';
      const deliveryStreams: (LocalDeliveryStreamConfig & { logicalId: string })[] = declaredStreams
        .filter(([, resource]) => !isKinesisSourced(resource.Properties))
        .map(([logicalId, resource]) => {
          const declared = resource.Properties?.ExtendedS3DestinationConfiguration;
          if (!isJsonObject(declared))
            throw new Error(`${logicalId}: only ExtendedS3DestinationConfiguration is emulated locally for DirectPut.`);
          // Nothing runs under the role locally and logs go to the terminal: those properties are not resolved.
          const { RoleARN: _role, CloudWatchLoggingOptions: _logging, ...delivery } = declared;
          return {
            logicalId,
            name: physicalNameOf(logicalId, context),
            arn: arnOf(logicalId, context),
            destination: resolveIntrinsics(delivery, context),
          };
        });
      const kinesisSourcedStreams: (KinesisSourcedDeliveryStreamConfig & { logicalId: string })[] = declaredStreams
        .filter(([, resource]) => isKinesisSourced(resource.Properties))
        .map(([logicalId, resource]) => kinesisSourcedStreamOf(logicalId, resource.Properties ?? {}, context));
      const intervalSeconds = process.env[FIREHOSE_BUFFER_INTERVAL_VARIABLE];
      const firehose = await startLocalFirehose({
        port,
        host: LOOPBACK_HOST,
        stateDir: path.join(platform.stateDir, 'firehose'),
        s3Endpoint,
        deliveryStreams,
        bufferingOverride: intervalSeconds ? { intervalInMilliseconds: Number(intervalSeconds) * 1000 } : undefined,
        log: (message) => log.warn(`firehose: ${message}`),
        kinesisSourced:
          kinesisSourcedStreams.length === 0
            ? undefined
            : kinesisSourcedOptions(
                kinesisSourcedStreams,
                stack.endpoints,
                stack.warehouseUrl,
                platform.template.region,
              ),
      });
      const resources = Object.fromEntries([
        ...deliveryStreams.map((stream): [string, DeliveryStreamResource] => {
          const destination = stream.destination as Record<string, unknown>;
          return [
            stream.logicalId,
            {
              name: stream.name,
              arn: stream.arn,
              bucket: String(destination.BucketARN).replace(/^arn:[^:]+:s3:::/, ''),
              prefix: String(destination.Prefix ?? ''),
              errorOutputPrefix: String(destination.ErrorOutputPrefix ?? ''),
            },
          ];
        }),
        ...kinesisSourcedStreams.map((stream): [string, DeliveryStreamResource] => {
          const staging = (stream.destination as { S3Configuration: Record<string, unknown> }).S3Configuration;
          return [
            stream.logicalId,
            {
              name: stream.name,
              arn: stream.arn,
              bucket: String(staging.BucketARN).replace(/^arn:[^:]+:s3:::/, ''),
              prefix: String(staging.Prefix ?? ''),
              errorOutputPrefix: String(staging.ErrorOutputPrefix ?? ''),
            },
          ];
        }),
      ]);
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

/** A Kinesis-sourced Redshift stream's definition, without what only AWS uses (roles, JDBC URL, secret, logging). */
function kinesisSourcedStreamOf(
  logicalId: string,
  properties: Record<string, unknown>,
  context: ReturnType<typeof intrinsicContextOf>,
): KinesisSourcedDeliveryStreamConfig & { logicalId: string } {
  const source = properties.KinesisStreamSourceConfiguration;
  const destination = properties.RedshiftDestinationConfiguration;
  if (!isJsonObject(source) || !isJsonObject(destination))
    throw new Error(
      `${logicalId}: a KinesisStreamAsSource stream is emulated locally with KinesisStreamSourceConfiguration and RedshiftDestinationConfiguration only.`,
    );
  const { RoleARN: _sourceRole, ...sourceRead } = source;
  const {
    ClusterJDBCURL: _url,
    RoleARN: _role,
    SecretsManagerConfiguration: _secret,
    CloudWatchLoggingOptions: _logging,
    S3Configuration: staging,
    ...delivery
  } = destination;
  const {
    RoleARN: _stagingRole,
    CloudWatchLoggingOptions: _stagingLogging,
    ...stagingRead
  } = isJsonObject(staging) ? staging : {};
  return {
    logicalId,
    name: physicalNameOf(logicalId, context),
    arn: arnOf(logicalId, context),
    source: resolveIntrinsics(sourceRead, context),
    destination: resolveIntrinsics({ ...delivery, S3Configuration: stagingRead }, context),
  };
}

/**
 * The Redshift streams load into the local warehouse and merge after each COPY; before they read, the jsonpaths
 * file their CopyOptions name is written from resources/warehouse/landing-columns.yml (the deploy's job on AWS).
 */
function kinesisSourcedOptions(
  streams: readonly KinesisSourcedDeliveryStreamConfig[],
  endpoints: { kinesis?: string; dynamodb?: string; s3?: string },
  warehouseUrl: string | undefined,
  region: string,
): KinesisSourcedOptions {
  const { kinesis, dynamodb, s3 } = endpoints;
  if (kinesis === undefined || dynamodb === undefined || s3 === undefined || warehouseUrl === undefined)
    throw new Error(
      'A Kinesis-sourced Redshift delivery stream needs Kinesis, S3 and the warehouse started in an earlier phase.',
    );
  const scale = process.env[FIREHOSE_RETRY_TIME_SCALE_VARIABLE];
  const jsonpaths = landingJsonpathsDocument(readLandingColumns(WAREHOUSE_SQL_DIR));
  return {
    deliveryStreams: streams,
    kinesisEndpoint: kinesis,
    warehouseUrl,
    merge: (client) => mergeLanding(client),
    timing: scale ? { retryTimeScale: Number(scale) } : undefined,
    prepare: async () => {
      const clients = createLocalAwsClients({ kinesis, dynamodb, s3 }, region);
      try {
        for (const stream of streams) {
          const copyOptions = (stream.destination as { CopyCommand?: { CopyOptions?: unknown } }).CopyCommand
            ?.CopyOptions;
          const { json } = parseCopyOptions(String(copyOptions ?? ''), `Delivery stream ${stream.name} CopyOptions`);
          if (json.kind === 'jsonpaths')
            await clients.s3.send(new PutObjectCommand({ Bucket: json.bucket, Key: json.key, Body: jsonpaths }));
        }
      } finally {
        clients.destroy();
      }
    },
  };
}
