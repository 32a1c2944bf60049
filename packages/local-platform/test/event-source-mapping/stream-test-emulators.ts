import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateStreamCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';
import S3rver from 's3rver';
import { LOCAL_CREDENTIALS } from '../../src/platform-settings';
import { waitForActiveStream } from '@retail/test-support';

export const REGION = 'eu-west-2';
export const ACCOUNT_ID = '000000000000';

export interface StreamTestEmulators {
  kinesisEndpoint: string;
  s3Endpoint: string;
  kinesis: KinesisClient;
  s3: S3Client;
  /** A new stream, once ACTIVE. */
  createStream(name: string, shardCount?: number): Promise<void>;
  /** PutRecords in chunks of 500 (retrying failed entries); the sequence numbers in `records` order. */
  putRecords(streamName: string, records: { data: Uint8Array | string; partitionKey: string }[]): Promise<string[]>;
  createBucket(name: string): Promise<void>;
  /** Every object under `prefix` in `bucket`: key and parsed JSON body. */
  readObjects(bucket: string, prefix?: string): Promise<{ key: string; body: unknown; text: string }[]>;
  close(): Promise<void>;
}

/** A real kinesalite (in memory) and a real s3rver (temp directory), each on a free loopback port. */
export async function startStreamTestEmulators(): Promise<StreamTestEmulators> {
  const kinesisServer: Server = kinesalite({
    createStreamMs: 5,
    deleteStreamMs: 5,
    updateStreamMs: 5,
    shardLimit: 1000,
  });
  await new Promise<void>((resolve) => kinesisServer.listen(0, '127.0.0.1', resolve));
  const kinesisEndpoint = `http://127.0.0.1:${(kinesisServer.address() as AddressInfo).port}`;

  const s3Directory = await mkdtemp(path.join(tmpdir(), 'esm-s3rver-'));
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: s3Directory,
    silent: true,
    vhostBuckets: false,
  });
  const { port: s3Port } = await s3rver.run();
  const s3Endpoint = `http://127.0.0.1:${s3Port}`;

  const common = { region: REGION, credentials: LOCAL_CREDENTIALS, requestHandler: new NodeHttpHandler() };
  const kinesis = new KinesisClient({ ...common, endpoint: kinesisEndpoint });
  const s3 = new S3Client({
    ...common,
    endpoint: s3Endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    kinesisEndpoint,
    s3Endpoint,
    kinesis,
    s3,
    async createStream(name, shardCount = 1) {
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
      await waitForActiveStream(kinesis, name, 5);
    },
    async putRecords(streamName, records) {
      const sequenceNumbers: string[] = [];
      for (let start = 0; start < records.length; start += 500) {
        const chunk = records.slice(start, start + 500);
        const entries: PutRecordsRequestEntry[] = chunk.map(({ data, partitionKey }) => ({
          Data: typeof data === 'string' ? Buffer.from(data) : data,
          PartitionKey: partitionKey,
        }));
        const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
        if (output.FailedRecordCount)
          throw new Error(
            `${output.FailedRecordCount} records failed: ${JSON.stringify(output.Records?.find((entry) => entry.ErrorCode))}`,
          );
        sequenceNumbers.push(...(output.Records ?? []).map((entry) => entry.SequenceNumber ?? ''));
      }
      return sequenceNumbers;
    },
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async readObjects(bucket, prefix) {
      const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      const objects = [];
      for (const { Key } of listing.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        const text = (await object.Body?.transformToString()) ?? '';
        objects.push({ key: Key ?? '', text, body: JSON.parse(text) as unknown });
      }
      return objects;
    },
    async close() {
      kinesis.destroy();
      s3.destroy();
      await s3rver.close();
      await new Promise<void>((resolve) => kinesisServer.close(() => resolve()));
      await rm(s3Directory, { recursive: true, force: true });
    },
  };
}

/** Puts one record at a time (PutRecords caps a call at 5 MiB). */
export async function putLargeRecord(
  kinesis: KinesisClient,
  streamName: string,
  data: Uint8Array,
  partitionKey: string,
): Promise<string> {
  const output = await kinesis.send(
    new PutRecordCommand({ StreamName: streamName, Data: data, PartitionKey: partitionKey }),
  );
  return output.SequenceNumber ?? '';
}
