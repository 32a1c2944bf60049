import { createServer } from 'node:http';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@retail/adapters';
import { LOCAL_CREDENTIALS } from '../platform-settings';
import { parseExtendedS3Destination } from './extended-s3-destination';
import { firehoseRequestListener } from './firehose-json-api';
import { startKinesisSourcedStreams, type KinesisSourcedDeliveryStreams } from './kinesis-sourced-streams';
import type { KinesisSourcedOptions } from './kinesis-sourced-streams';
import { LocalDeliveryStream, type Buffering, type ObjectStore } from './local-delivery-stream';
import type { ObjectReader } from './redshift-copy';
import { listenOn } from '../free-port';

export interface LocalDeliveryStreamConfig {
  /** DeliveryStreamName. */
  name: string;
  /** arn:aws:firehose:<region>:<account>:deliverystream/<name>. */
  arn: string;
  /** The resolved ExtendedS3DestinationConfiguration of the AWS::KinesisFirehose::DeliveryStream resource. */
  destination: unknown;
  /** The destination bucket; defaults to the bucket of destination.BucketARN when that is resolved. */
  bucketName?: string;
}

export interface LocalFirehoseOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1: the emulator checks no credentials. */
  host?: string;
  /** Holds one write-ahead log per delivery stream; records pending there are delivered at start. */
  stateDir: string;
  /** s3rver's endpoint, e.g. http://127.0.0.1:4569. */
  s3Endpoint: string;
  deliveryStreams: readonly LocalDeliveryStreamConfig[];
  /**
   * Replaces the declared BufferingHints of every stream, for local runs and tests that cannot wait 60 s or
   * 64 MB. Each field left out keeps the declared value.
   */
  bufferingOverride?: { sizeInBytes?: number; intervalInMilliseconds?: number };
  /** Delivery problems and resumed records are reported here; default stderr. */
  log?: (message: string) => void;
  /** Delivery streams with a Kinesis stream as source and Redshift as destination (see kinesis-sourced-streams.ts). */
  kinesisSourced?: KinesisSourcedOptions;
}

export interface LocalFirehose {
  /** http://host:port, for AWS_ENDPOINT_URL_FIREHOSE. */
  endpoint: string;
  port: number;
  /** Delivers everything buffered and waits until it is in S3. */
  flush(): Promise<void>;
  /** Stops accepting records, delivers what is buffered, closes the server. */
  stop(): Promise<void>;
}

/**
 * Starts a Firehose emulator for the given delivery streams, configured from their CloudFormation definitions.
 * Records it acknowledges are delivered even if the process is killed: they are logged under stateDir first.
 */
export async function startLocalFirehose(options: LocalFirehoseOptions): Promise<LocalFirehose> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const accountIds = new Set(options.deliveryStreams.map((stream) => arnParts(stream).accountId));
  if (accountIds.size > 1)
    throw new Error(
      `The local Firehose serves one account; the delivery streams' ARNs name ${[...accountIds].join(', ')}.`,
    );
  const region = options.deliveryStreams[0] ? arnParts(options.deliveryStreams[0]).region : 'us-east-1';
  const s3 = createS3Client({ region, credentials: LOCAL_CREDENTIALS, endpoints: { s3: options.s3Endpoint } });
  const store: ObjectStore & ObjectReader = {
    putObject: async (bucket, key, body) => {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    },
    getObject: async (bucket, key) => {
      const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await output.Body!.transformToByteArray());
    },
  };

  const streams = new Map<string, LocalDeliveryStream>();
  let kinesisSourced: KinesisSourcedDeliveryStreams | undefined;
  try {
    for (const config of options.deliveryStreams) {
      const definition = parseExtendedS3Destination(config.destination, `Delivery stream ${config.name}`);
      const declared: Buffering = {
        sizeInBytes: definition.bufferingHints.sizeInMBs * 1024 * 1024,
        intervalInMilliseconds: definition.bufferingHints.intervalInSeconds * 1000,
      };
      const stream = await LocalDeliveryStream.start({
        name: config.name,
        arn: config.arn,
        bucketName: bucketNameOf(config),
        definition,
        buffering: { ...declared, ...options.bufferingOverride },
        store,
        logFile: path.join(options.stateDir, `${config.name}.accepted-records.ndjson`),
        log,
      });
      streams.set(config.name, stream);
    }
    if (options.kinesisSourced !== undefined)
      kinesisSourced = await startKinesisSourcedStreams(options.kinesisSourced, {
        region,
        stateDir: options.stateDir,
        store,
        bufferingOverride: options.bufferingOverride,
        log,
      });
  } catch (error) {
    await Promise.allSettled([...streams.values()].map((stream) => stream.stop()));
    s3.destroy();
    throw error;
  }

  const server = createServer(
    firehoseRequestListener(streams, [...accountIds][0] ?? '000000000000', kinesisSourced?.streams),
  );
  const host = options.host ?? '127.0.0.1';
  const port = await listenOn(server, options.port ?? 0, host);
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    flush: async () => {
      await Promise.all([...streams.values()].map((stream) => stream.flush()));
      await kinesisSourced?.flush();
    },
    stop: () => {
      stopped ??= (async () => {
        // Streams first: they refuse new records at once, while the server still answers (with an error).
        const results = await Promise.allSettled([
          ...[...streams.values()].map((stream) => stream.stop()),
          ...(kinesisSourced ? [kinesisSourced.stop()] : []),
        ]);
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        s3.destroy();
        const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
        if (failure) throw failure.reason;
      })();
      return stopped;
    },
  };
}

function arnParts({ name, arn }: LocalDeliveryStreamConfig): { region: string; accountId: string } {
  const match = /^arn:aws[a-z-]*:firehose:([a-z0-9-]+):(\d{12}):deliverystream\/(.+)$/.exec(arn);
  if (match === null || match[3] !== name) {
    throw new Error(
      `Delivery stream ${name}: ${JSON.stringify(arn)} is not its ARN (expected arn:aws:firehose:<region>:<account>:deliverystream/${name}).`,
    );
  }
  return { region: match[1]!, accountId: match[2]! };
}

function bucketNameOf(config: LocalDeliveryStreamConfig): string {
  const bucketArn =
    typeof config.destination === 'object' && config.destination !== null
      ? (config.destination as Record<string, unknown>).BucketARN
      : undefined;
  const fromArn = typeof bucketArn === 'string' ? /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(bucketArn)?.[1] : undefined;
  if (config.bucketName !== undefined && fromArn !== undefined && config.bucketName !== fromArn) {
    throw new Error(
      `Delivery stream ${config.name}: bucketName ${config.bucketName} contradicts its BucketARN ${String(bucketArn)}.`,
    );
  }
  const bucketName = config.bucketName ?? fromArn;
  if (bucketName === undefined)
    throw new Error(
      `Delivery stream ${config.name}: give bucketName, or a resolved BucketARN (arn:aws:s3:::<bucket>).`,
    );
  return bucketName;
}
