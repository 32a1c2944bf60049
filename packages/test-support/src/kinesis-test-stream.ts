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
import { createKinesisClient, type AwsClientSettings } from '@retail/adapters';
import { TEST_ACCOUNT_ID, TEST_CREDENTIALS, TEST_REGION, TEST_STAGE } from './test-stage';
import { eventually } from './eventually';

/** The invoice line stream as the platform template declares it for the test stage. */
export function invoiceLineStreamDefinition(): { streamName: string; shardCount: number } {
  const streams = declaredStreams(readPlatformTemplateSync(TEST_STAGE), TEST_ACCOUNT_ID);
  const stream = streams.find((candidate) => candidate.logicalId === 'InvoiceLineStream');
  if (!stream) throw new Error('the platform template declares no InvoiceLineStream');
  return { streamName: stream.name, shardCount: stream.shardCount };
}

/** Waits until a stream created or resharded on kinesalite is ACTIVE again (its create and update delays). */
export function waitForActiveStream(client: KinesisClient, streamName: string, intervalMs = 10): Promise<void> {
  return eventually(
    async () => {
      const { StreamDescriptionSummary } = await client.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      if (StreamDescriptionSummary?.StreamStatus !== 'ACTIVE')
        throw new Error(`stream ${streamName} is not ACTIVE yet`);
    },
    { timeoutMs: 10_000, intervalMs },
  );
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
  await eventually(
    async () => {
      const { StreamDescriptionSummary } = await client.send(
        new DescribeStreamSummaryCommand({ StreamName: streamName }),
      );
      if (StreamDescriptionSummary?.StreamStatus !== 'ACTIVE')
        throw new Error(`stream ${streamName} is not ACTIVE yet`);
    },
    { timeoutMs: 10_000, intervalMs: 10 },
  );

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
