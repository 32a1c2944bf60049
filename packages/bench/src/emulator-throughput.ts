import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  CreateTableCommand,
  DescribeTableCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, waitUntilStreamExists, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INVOICE_TABLE_KEYS, lineItem, type DynamoDbItem } from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import type { LocalAwsClients } from '@retail/local-platform';
import { measurePutRecords, type Throughput } from './ingest-benchmarks';

/** A measurement's best round, with every round's rate. */
export type BestRound<T extends Throughput> = T & { roundsPerSecond: number[] };

/** Each emulator alone, in rows of the data set per second (s3rver: rows in the objects it stored per second). */
export interface EmulatorThroughput {
  kinesalite: BestRound<Throughput & { averageBytes: number }>;
  dynalite: BestRound<Throughput>;
  s3rver: BestRound<Throughput & { objects: number; rowsPerObject: number; averageObjectBytes: number }>;
}

export interface EmulatorThroughputInput {
  clients: LocalAwsClients;
  /** The platform's stream and table: the throw-away copies get the same shard count and key schema. */
  streamShardCount: number;
  invoiceTableName: string;
  /** The ingest API's records for the first EMULATOR_SAMPLE_ROWS rows of the file (invoiceLineRecords). */
  records: readonly PutRecordsRequestEntry[];
  concurrency: number;
  log: (line: string) => void;
}

/** Rows of the file the measurements use (kinesalite: 60 calls of 500), repeated if the file is shorter. */
export const EMULATOR_SAMPLE_ROWS = 30_000;
/**
 * Each emulator is measured this many times, each round on a stream, table or bucket of its own, and its best round
 * is its figure: one round of seconds on a shared machine varied by a third between runs, and the bound is what the
 * emulator can do, so a slow round must not lower it.
 */
export const MEASUREMENT_ROUNDS = 3;
// Each measurement stops at its count or its time, whichever comes first: seconds each, not minutes.
const MAX_SECONDS = 5;
const DYNALITE_ITEMS = 25_000;
const BATCH_WRITE_LIMIT = 25;
// About what the local Firehose writes per object for this data set (one object per invoice day per buffer interval).
const ROWS_PER_OBJECT = 1_000;
const S3RVER_OBJECTS = 60;
const PARTITION_KEY = INVOICE_TABLE_KEYS.partitionKey;

/**
 * Measures kinesalite PutRecords (the ingest bench's measurement), dynalite BatchWriteItem of invoice line items and
 * s3rver PutObject of gzipped NDJSON, one after the other, each on a stream, table or bucket of its own, so the
 * platform's resources hold only what the load puts there. They are not deleted: deleting makes the emulators purge
 * them in the background while the load runs; they go with the temporary state directory.
 */
export async function measureEmulatorThroughput(input: EmulatorThroughputInput): Promise<EmulatorThroughput> {
  const { clients, records, concurrency, log } = input;
  const suffix = `throughput-${randomUUID().slice(0, 8)}`;
  const events = records.map((record) => JSON.parse(Buffer.from(record.Data!).toString('utf8')) as InvoiceLineEvent);
  const averageBytes = records.reduce((sum, record) => sum + record.Data!.length, 0) / records.length;
  const rounds = `best of ${MEASUREMENT_ROUNDS} rounds`;

  // A file shorter than the sample (the committed one) is put more than once: Kinesis takes the same record twice.
  const putRecords = Array.from(
    { length: Math.max(records.length, EMULATOR_SAMPLE_ROWS) },
    (_, index) => records[index % records.length]!,
  );
  log(
    `kinesalite PutRecords alone: ${putRecords.length.toLocaleString('en-GB')} records of the data set, 500 per call, ${concurrency} in flight, ${rounds}`,
  );
  const kinesalite = await bestRound(async (round) => {
    const streamName = await createThrowAwayStream(clients, `retail-bench-${suffix}-${round}`, input.streamShardCount);
    return { ...(await measurePutRecords(clients.kinesis, streamName, putRecords, concurrency)), averageBytes };
  });

  log(
    `dynalite BatchWriteItem alone: up to ${DYNALITE_ITEMS.toLocaleString('en-GB')} invoice line items or ${MAX_SECONDS} s, 25 per call, ${concurrency} in flight, ${rounds}`,
  );
  const lineItems = distinctLineItems(events, DYNALITE_ITEMS);
  const dynalite = await bestRound(async (round) => {
    const tableName = await createThrowAwayTable(clients, input.invoiceTableName, `retail-bench-${suffix}-${round}`);
    return (await measureBatchWriteItem(clients, tableName, lineItems, concurrency)).throughput;
  });

  log(
    `s3rver PutObject alone: up to ${S3RVER_OBJECTS} gzipped NDJSON objects of ${ROWS_PER_OBJECT.toLocaleString('en-GB')} rows or ${MAX_SECONDS} s, ${concurrency} in flight, ${rounds}`,
  );
  const bodies = ndjsonObjects(records, ROWS_PER_OBJECT);
  const averageObjectBytes = bodies.reduce((sum, body) => sum + body.length, 0) / bodies.length;
  const s3rver = await bestRound(async (round) => {
    const bucket = `retail-bench-${suffix}-${round}`;
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const { throughput: objects } = await runBoundedCalls(
      Array.from({ length: S3RVER_OBJECTS }, (_, index) => ({
        key: `invoice-lines/object-${index}.gz`,
        body: bodies[index % bodies.length]!,
      })),
      concurrency,
      async ({ key, body }) => {
        await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        return { items: 1, failed: 0 };
      },
    );
    return {
      items: objects.items * ROWS_PER_OBJECT,
      failed: objects.failed * ROWS_PER_OBJECT,
      elapsedMs: objects.elapsedMs,
      perSecond: objects.perSecond * ROWS_PER_OBJECT,
      objects: objects.items,
      rowsPerObject: ROWS_PER_OBJECT,
      averageObjectBytes,
    };
  });

  return { kinesalite, dynalite, s3rver };
}

/** Runs `measure` MEASUREMENT_ROUNDS times, one after the other: the fastest round, with every round's rate. */
async function bestRound<T extends Throughput>(measure: (round: number) => Promise<T>): Promise<BestRound<T>> {
  const results: T[] = [];
  for (let round = 1; round <= MEASUREMENT_ROUNDS; round++) results.push(await measure(round));
  const best = results.reduce((fastest, result) => (result.perSecond > fastest.perSecond ? result : fastest));
  return { ...best, roundsPerSecond: results.map((result) => result.perSecond) };
}

async function measureBatchWriteItem(
  clients: LocalAwsClients,
  tableName: string,
  items: readonly DynamoDbItem[],
  concurrency: number,
) {
  // Marshalled as the invoice store marshals them (createDynamoDbDocumentClient's options).
  const documents = DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const calls: DynamoDbItem[][] = [];
  for (let start = 0; start < items.length; start += BATCH_WRITE_LIMIT)
    calls.push(items.slice(start, start + BATCH_WRITE_LIMIT));
  return runBoundedCalls(calls, concurrency, async (group) => {
    const output = await documents.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: group.map((Item) => ({ PutRequest: { Item } })) } }),
    );
    // Not retried: an emulator that leaves items unprocessed is slower than the figure, and the failures say so.
    const unprocessed = output.UnprocessedItems?.[tableName]?.length ?? 0;
    return { items: group.length - unprocessed, failed: unprocessed };
  });
}

/**
 * Runs `calls` with `concurrency` workers until they are all done or MAX_SECONDS have passed. The first call of each
 * worker is not measured, so the figure is the emulator's steady rate, not its first requests.
 */
async function runBoundedCalls<T>(
  calls: readonly T[],
  concurrency: number,
  send: (call: T) => Promise<{ items: number; failed: number }>,
) {
  await Promise.all(calls.slice(0, concurrency).map(send));
  let next = concurrency;
  let items = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + MAX_SECONDS * 1000;
  const worker = async () => {
    while (next < calls.length && performance.now() < deadline) {
      const outcome = await send(calls[next++]!);
      items += outcome.items;
      failed += outcome.failed;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  return { throughput: { items, failed, elapsedMs, perSecond: items / Math.max(elapsedMs / 1000, 1e-3) } };
}

/** Invoice line items with distinct keys: the file's first lines, then again under another partition key per round. */
function distinctLineItems(events: readonly InvoiceLineEvent[], count: number): DynamoDbItem[] {
  const items: DynamoDbItem[] = [];
  for (let index = 0; index < count; index++) {
    const item = lineItem(events[index % events.length]!);
    const round = Math.floor(index / events.length);
    items.push(round === 0 ? item : { ...item, [PARTITION_KEY]: `${String(item[PARTITION_KEY])}#${round}` });
  }
  return items;
}

/** The records' events as Firehose writes them: one JSON object per line, gzipped, `rowsPerObject` lines per object. */
function ndjsonObjects(records: readonly PutRecordsRequestEntry[], rowsPerObject: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let start = 0; start < records.length; start += rowsPerObject) {
    const slice = records.slice(start, start + rowsPerObject);
    if (slice.length < rowsPerObject && bodies.length > 0) break;
    bodies.push(gzipSync(Buffer.concat(slice.flatMap((record) => [Buffer.from(record.Data!), Buffer.from('\n')]))));
  }
  return bodies;
}

async function createThrowAwayStream(
  clients: LocalAwsClients,
  streamName: string,
  shardCount: number,
): Promise<string> {
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shardCount }));
  await waitUntilStreamExists({ client: clients.kinesis, maxWaitTime: 60 }, { StreamName: streamName });
  return streamName;
}

/** A table with the invoice table's keys and indexes, so dynalite maintains what it maintains for the real one. */
async function createThrowAwayTable(
  clients: LocalAwsClients,
  invoiceTableName: string,
  tableName: string,
): Promise<string> {
  const { Table: invoiceTable } = await clients.dynamodb.send(
    new DescribeTableCommand({ TableName: invoiceTableName }),
  );
  if (!invoiceTable?.KeySchema || !invoiceTable.AttributeDefinitions)
    throw new Error(`DescribeTable ${invoiceTableName} returned no key schema`);
  const definition: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: invoiceTable.KeySchema,
    AttributeDefinitions: invoiceTable.AttributeDefinitions,
    GlobalSecondaryIndexes: invoiceTable.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, Projection }) => ({
      IndexName,
      KeySchema,
      Projection,
    })),
  };
  await clients.dynamodb.send(new CreateTableCommand(definition));
  await waitUntilTableExists({ client: clients.dynamodb, maxWaitTime: 60 }, { TableName: tableName });
  return tableName;
}
