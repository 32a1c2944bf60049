import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import kinesalite from 'kinesalite';
import { parse } from 'yaml';
import { TEST_REGION, TEST_STAGE } from './test-stage';
import { eventually } from './eventually';

const RESOURCES = resolve(__dirname, '../../../resources');

/** The invoice line stream as resources/kinesis.yml declares it, named for the test stage. */
export function invoiceLineStreamDefinition(): { streamName: string; shardCount: number } {
  const names = parse(readFileSync(resolve(RESOURCES, 'names.yml'), 'utf8')) as Record<string, string>;
  // CloudFormation tags (!Ref, !GetAtt) in Outputs are not needed here: quiet the unknown-tag warnings.
  const kinesis = parse(readFileSync(resolve(RESOURCES, 'kinesis.yml'), 'utf8'), { logLevel: 'silent' }) as {
    Resources: { InvoiceLineStream: { Properties: { Name: string; ShardCount: number } } };
  };
  const { Name, ShardCount } = kinesis.Resources.InvoiceLineStream.Properties;
  const name = Name.replace(/\$\{self:custom\.names\.(\w+)\}/g, (_, key: string) => names[key]!).replaceAll(
    '${sls:stage}',
    TEST_STAGE,
  );
  return { streamName: name, shardCount: ShardCount };
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

/** A Kinesis client of the emulator with fake credentials; HTTP/1.1 because kinesalite refuses HTTP/2. */
export function kinesisClientOf(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: new NodeHttpHandler(),
  });
}

/** The variables the local platform gives a function, pointing the SDK's default chain at the emulator. */
export function useKinesisEmulatorEnvironment(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL_KINESIS = endpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
}
