import type { AddressInfo } from 'node:net';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { declaredStreams, readPlatformTemplateSync } from '@retail/local-platform';
import kinesalite from 'kinesalite';
import { createKinesisClient, type AwsClientSettings } from '../../src/aws-clients';

export const TEST_STAGE = 'test';
export const TEST_REGION = 'eu-west-2';
export const TEST_ACCOUNT_ID = '000000000000';
/** kinesalite and dynalite take any credentials. */
export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** The invoice line stream as the platform template declares it for the test stage. */
export function invoiceLineStreamDefinition(): { streamName: string; shardCount: number } {
  const streams = declaredStreams(readPlatformTemplateSync(TEST_STAGE), TEST_ACCOUNT_ID);
  const stream = streams.find((candidate) => candidate.logicalId === 'InvoiceLineStream');
  if (!stream) throw new Error('the platform template declares no InvoiceLineStream');
  return { streamName: stream.name, shardCount: stream.shardCount };
}

export interface StreamRecord {
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  data: unknown;
}

export interface KinesisTestStream {
  endpoint: string;
  streamName: string;
  shardCount: number;
  /** A client of the emulator, not shared with the code under test. */
  client: KinesisClient;
  /** Every record on the stream, shard by shard, each shard in sequence order. */
  readRecords(): Promise<StreamRecord[]>;
  stop(): Promise<void>;
}

/** An in-memory kinesalite on a free port holding the invoice line stream. */
export async function startKinesisTestStream(): Promise<KinesisTestStream> {
  const server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = kinesisClientOf(endpoint);
  const { streamName, shardCount } = invoiceLineStreamDefinition();
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  while (
    (await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }))).StreamDescriptionSummary
      ?.StreamStatus !== 'ACTIVE'
  ) {
    await new Promise((wake) => setTimeout(wake, 10));
  }

  const readRecords = async (): Promise<StreamRecord[]> => {
    const { Shards = [] } = await client.send(new ListShardsCommand({ StreamName: streamName }));
    const records: StreamRecord[] = [];
    for (const shard of Shards) {
      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shard.ShardId!,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      // Read until a call returns nothing: MillisBehindLatest === 0 can come before the last records.
      for (let iterator = ShardIterator; iterator;) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        if (!page.Records?.length) break;
        for (const record of page.Records) {
          records.push({
            shardId: shard.ShardId!,
            partitionKey: record.PartitionKey!,
            sequenceNumber: record.SequenceNumber!,
            data: JSON.parse(Buffer.from(record.Data!).toString('utf8')),
          });
        }
        iterator = page.NextShardIterator;
      }
    }
    return records;
  };

  const stop = async () => {
    client.destroy();
    await new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done())));
  };

  return { endpoint, streamName, shardCount, client, readRecords, stop };
}

/** A Kinesis client of the emulator with fake credentials. */
export function kinesisClientOf(endpoint: string): KinesisClient {
  return createKinesisClient(kinesisEmulatorSettings(endpoint));
}

/** Where and as whom a client reaches the test emulator. */
export function kinesisEmulatorSettings(endpoint: string): AwsClientSettings {
  return { region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoints: { kinesis: endpoint } };
}
