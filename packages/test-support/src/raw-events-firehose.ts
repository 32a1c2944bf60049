import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { parse, type ScalarTag } from 'yaml';
import {
  startLocalFirehose,
  type LocalDeliveryStreamConfig,
  type LocalFirehose,
  type LocalFirehoseOptions,
} from '@retail/local-platform/firehose';
import { TEST_REGION, TEST_STAGE } from './test-stage';

const RESOURCES = path.resolve(__dirname, '../../../resources');
export const TEST_ACCOUNT_ID = '000000000000';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// CloudFormation's short forms, read as the long forms (unresolved: the emulator must not need them).
const cloudFormationTags: ScalarTag[] = ['Ref', 'Sub', 'GetAtt', 'ImportValue'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }),
}));

/** resources/names.yml for the test stage. */
function testStageName(key: string): string {
  const names = parse(readFileSync(path.join(RESOURCES, 'names.yml'), 'utf8')) as Record<string, string>;
  return names[key]!.replaceAll('${sls:stage}', TEST_STAGE);
}

/** The raw events delivery stream exactly as resources/firehose.yml declares it, named for the test stage. */
export function rawEventsDeliveryStream(): LocalDeliveryStreamConfig & { bucketName: string } {
  const template = parse(readFileSync(path.join(RESOURCES, 'firehose.yml'), 'utf8'), {
    customTags: cloudFormationTags,
  }) as {
    Resources: { RawEventsDeliveryStream: { Properties: { ExtendedS3DestinationConfiguration: unknown } } };
  };
  const name = testStageName('rawDeliveryStream');
  return {
    name,
    arn: `arn:aws:firehose:${TEST_REGION}:${TEST_ACCOUNT_ID}:deliverystream/${name}`,
    destination: template.Resources.RawEventsDeliveryStream.Properties.ExtendedS3DestinationConfiguration,
    // As resources/s3.yml names it: <rawBucket>-<account id>.
    bucketName: `${testStageName('rawBucket')}-${TEST_ACCOUNT_ID}`,
  };
}

export interface TestS3 {
  endpoint: string;
  /** A client of s3rver, not shared with the code under test. */
  client: S3Client;
  createBucket(bucket: string): Promise<void>;
  /** Every key in the bucket (under `prefix`), sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** The object's bytes, gunzipped when the key ends in .gz. */
  content(bucket: string, key: string): Promise<Buffer>;
  /** The object's lines (gunzipped), each parsed as JSON. */
  jsonLines(bucket: string, key: string): Promise<unknown[]>;
  close(): Promise<void>;
}

/** A real s3rver on a free port over a temporary directory. */
export async function startTestS3(): Promise<TestS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'firehose-test-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, vhostBuckets: false });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    region: TEST_REGION,
    endpoint,
    credentials: CREDENTIALS,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const content = async (bucket: string, key: string) => {
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await object.Body!.transformToByteArray());
    return key.endsWith('.gz') ? gunzipSync(bytes) : bytes;
  };
  return {
    endpoint,
    client,
    createBucket: async (bucket) => {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    keys: async (bucket, prefix) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        keys.push(...(page.Contents ?? []).map((object) => object.Key!));
        token = page.NextContinuationToken;
      } while (token !== undefined);
      return keys.sort();
    },
    content,
    jsonLines: async (bucket, key) => {
      const text = (await content(bucket, key)).toString('utf8');
      if (!text.endsWith('\n')) throw new Error(`s3://${bucket}/${key} does not end with a newline`);
      return text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);
    },
    close: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface RawEventsFirehose {
  firehose: LocalFirehose;
  /** A Firehose client of the emulator, as a service would configure it. */
  client: FirehoseClient;
  streamName: string;
  bucket: string;
  stateDir: string;
  /** Stops the emulator (delivering what it buffers) and removes its state. */
  close(): Promise<void>;
}

export type RawEventsFirehoseOptions = Partial<Pick<LocalFirehoseOptions, 'bufferingOverride' | 'log' | 'stateDir'>> & {
  /** Instead of the declared bucket, so that each test reads only what it delivered. */
  bucketName?: string;
};

/** The local Firehose serving resources/firehose.yml's raw events stream into `s3`, with a fresh state dir unless given one. */
export async function startRawEventsFirehose(
  s3: TestS3,
  options: RawEventsFirehoseOptions = {},
): Promise<RawEventsFirehose> {
  const declared = rawEventsDeliveryStream();
  const stream = { ...declared, bucketName: options.bucketName ?? declared.bucketName };
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'firehose-test-state-')));
  const firehose = await startLocalFirehose({
    port: 0,
    host: '127.0.0.1',
    stateDir,
    s3Endpoint: s3.endpoint,
    deliveryStreams: [stream],
    bufferingOverride: options.bufferingOverride,
    log: options.log ?? (() => undefined),
  });
  const client = firehoseClientOf(firehose.endpoint);
  return {
    firehose,
    client,
    streamName: stream.name,
    bucket: stream.bucketName,
    stateDir,
    close: async () => {
      client.destroy();
      await firehose.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

export function firehoseClientOf(endpoint: string): FirehoseClient {
  return new FirehoseClient({ region: TEST_REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
}

/** Sends records with PutRecordBatch, 500 at a time, failing the test on any refused entry. */
export async function putAll(client: FirehoseClient, streamName: string, records: readonly Buffer[]): Promise<void> {
  for (let start = 0; start < records.length; start += 500) {
    const output = await client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: streamName,
        Records: records.slice(start, start + 500).map((data) => ({ Data: data })),
      }),
    );
    if (output.FailedPutCount !== 0) throw new Error(`PutRecordBatch refused ${output.FailedPutCount} records`);
  }
}
