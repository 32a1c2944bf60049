import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  countInvoiceTableItems,
  readConsumerPositions,
  type ConsumerPosition,
  type InvoiceTableCount,
  type RawBucketLineCounter,
} from './bench-pipeline-sinks';
import type { WarehouseCount, WarehouseCounter } from './warehouse-copy-throughput';

export interface DrainInput {
  invoiceTable: { client: DynamoDBClient; tableName: string };
  /** Shared across loads: it only reads the objects it has not read yet. */
  rawBucket: RawBucketLineCounter;
  /** The local warehouse, when the platform runs one (Firehose's Redshift destination loads it from the stream). */
  warehouse: WarehouseCounter | undefined;
  stateDir: string;
  streamArn: string;
  /** Lines the API accepted in this load: what each sink must hold. */
  lines: number;
  /** 1 for the first load of a fresh platform; a later load adds a copy of every line to the raw archive. */
  loadNumber: number;
  /** The stream consumer that writes the invoice table (its function name). */
  isTableWriter: (functionName: string) => boolean;
  timeoutMs: number;
  log: (line: string) => void;
}

/** Times are performance.now() values; undefined when the sink did not get there before the timeout. */
export interface DrainResult {
  /**
   * When the table writer had committed the last record of every shard (it commits after its writes), once a COUNT
   * scan confirmed every line is there; the scan's own end when the writer's checkpoints cannot be read.
   */
  dynamodbCompleteAt: number | undefined;
  /** The end of the COUNT scan that found every line (first load only). */
  dynamodbConfirmedAt: number | undefined;
  /**
   * The first load is seen in the table's line count; a later one rewrites the same items, so only the table writer's
   * checkpoints show it (not at all if the platform keeps none).
   */
  dynamodbSeenBy: 'line count' | 'table writer checkpoints' | 'not observable';
  rawS3CompleteAt: number | undefined;
  /** When the landing table held every delivery of this load and the merge had put every line in the fact table. */
  warehouseCompleteAt: number | undefined;
  /** The last count of the warehouse's tables (undefined without a warehouse). */
  warehouseCount: WarehouseCount | undefined;
  /** The first count, when the API had accepted the last row: what the warehouse still had to load from then on. */
  warehouseFirstCount: { at: number; count: WarehouseCount } | undefined;
  /** When each stream consumer had committed the last record of every shard (from its checkpoints, sampled each second). */
  consumers: { functionName: string; caughtUpAt: number | undefined }[];
  lastCount: InvoiceTableCount | undefined;
  countScans: { count: number; totalMs: number };
  rawS3: { objects: number; records: number; lines: number };
}

const POSITIONS_INTERVAL_MS = 1_000;
// Listing the prefix walks s3rver's folders: every 2 s keeps that cheap.
const RAW_BUCKET_INTERVAL_MS = 2_000;
const MIN_COUNT_INTERVAL_MS = 2_000;
const WAREHOUSE_INTERVAL_MS = 1_000;
// dynalite reads the whole table for a count (20-40 s at full size under load): at most a quarter of its time goes
// to the bench's readings, and none while the table writer is busy.
const COUNT_SPACING_FACTOR = 3;
// A writer that stays idle without every line written (records given up on) is still counted now and then.
const IDLE_WRITER_RECOUNT_MS = 60_000;
const SCHEDULE_TICK_MS = 250;
const PROGRESS_INTERVAL_MS = 15_000;

/**
 * Polls the sinks from the moment the API accepted the last row until each holds every accepted line: the raw bucket
 * by line ids in its objects; the warehouse by its landing and fact tables' counts; DynamoDB by a COUNT scan of its line items (first load), run when the table writer's
 * checkpoints stop moving, and timed by those checkpoints (a scan at full size takes longer than the precision wanted).
 * The consumers' checkpoints, sampled each second, also time the second load's DynamoDB writes (the same items
 * rewritten) and show which consumer the drain waits for.
 */
export async function waitForSinks(input: DrainInput): Promise<DrainResult> {
  const started = performance.now();
  const deadline = started + input.timeoutMs;
  const firstLoad = input.loadNumber === 1;
  const history: { at: number; positions: ConsumerPosition[] }[] = [];
  const result: DrainResult = {
    dynamodbCompleteAt: undefined,
    dynamodbConfirmedAt: undefined,
    dynamodbSeenBy: firstLoad ? 'line count' : 'table writer checkpoints',
    rawS3CompleteAt: undefined,
    warehouseCompleteAt: undefined,
    warehouseCount: undefined,
    warehouseFirstCount: undefined,
    consumers: [],
    lastCount: undefined,
    countScans: { count: 0, totalMs: 0 },
    rawS3: { objects: 0, records: 0, lines: 0 },
  };
  const timedOut = () => performance.now() >= deadline;
  const done = () =>
    result.rawS3CompleteAt !== undefined &&
    (input.warehouse === undefined || result.warehouseCompleteAt !== undefined) &&
    (result.dynamodbCompleteAt !== undefined || result.dynamodbSeenBy === 'not observable');

  const writerShards = (positions: ConsumerPosition[]) =>
    positions.find((consumer) => input.isTableWriter(consumer.functionName))?.shards;
  let writerKnown = false;
  // Until the first sample is read, writerKnown says nothing: a count then would start at once, while the writer works.
  let positionsSampled = false;
  let writerChangedAt = started;
  let writerKey = '';
  const samplePositions = async () => {
    while (!done() && !timedOut()) {
      const sample = { at: performance.now(), positions: await readConsumerPositions(input.stateDir, input.streamArn) };
      history.push(sample);
      const shards = writerShards(sample.positions);
      writerKnown ||= shards !== undefined;
      positionsSampled = true;
      const key = JSON.stringify([...(shards ?? [])].map(([shardId, position]) => [shardId, String(position)]));
      if (key !== writerKey) {
        writerKey = key;
        writerChangedAt = sample.at;
      }
      if (!firstLoad && result.rawS3CompleteAt !== undefined) {
        // The raw archive holds every line again, so its consumer has read the whole stream: the ends are known.
        const writer = caughtUpTimes(history).find((consumer) => input.isTableWriter(consumer.functionName));
        if (writer === undefined) result.dynamodbSeenBy = 'not observable';
        else if (writer.caughtUpAt !== undefined) result.dynamodbCompleteAt = writer.caughtUpAt;
      }
      await sleep(POSITIONS_INTERVAL_MS);
    }
  };
  const pollRawBucket = async () => {
    while (result.rawS3CompleteAt === undefined && !timedOut()) {
      await input.rawBucket.refresh();
      if (input.rawBucket.linesDelivered(input.loadNumber) >= input.lines) result.rawS3CompleteAt = performance.now();
      else await sleep(RAW_BUCKET_INTERVAL_MS);
    }
  };
  // Every delivery of this load in the landing table (Firehose delivers at least once: it may hold more) and every
  // line in the fact table (the merge runs on its schedule, every 10 s locally).
  const pollWarehouse = async () => {
    const warehouse = input.warehouse;
    while (warehouse !== undefined && result.warehouseCompleteAt === undefined && !timedOut()) {
      const count = await warehouse.count();
      result.warehouseCount = count;
      result.warehouseFirstCount ??= { at: performance.now(), count };
      if (count.landingRows >= input.lines * input.loadNumber && count.factLines >= input.lines)
        result.warehouseCompleteAt = performance.now();
      else await sleep(WAREHOUSE_INTERVAL_MS);
    }
  };
  const pollInvoiceTable = async () => {
    let nextCountAt = started;
    let lastCountAt = -Infinity;
    let writerChangedAtLastCount: number | undefined;
    // A count scan costs dynalite seconds that would slow the writer being timed: count only once the writer is done.
    // Once the raw archive is complete its consumer has read the whole stream, so the stream's ends are known: done is
    // the writer at those ends. A writer that stays idle short of them (records given up on) is counted now and then.
    const writerCaughtUp = () =>
      caughtUpTimes(history).find((consumer) => input.isTableWriter(consumer.functionName))?.caughtUpAt !== undefined;
    const movedOrDue = (now: number) =>
      writerChangedAt !== writerChangedAtLastCount || now - lastCountAt >= IDLE_WRITER_RECOUNT_MS;
    const writerDone = (now: number) =>
      (result.rawS3CompleteAt !== undefined && writerCaughtUp()) || now - writerChangedAt >= IDLE_WRITER_RECOUNT_MS;
    const countDue = (now: number) =>
      positionsSampled && now >= nextCountAt && (!writerKnown || (writerDone(now) && movedOrDue(now)));
    while (firstLoad && result.dynamodbCompleteAt === undefined && !timedOut()) {
      if (!countDue(performance.now())) {
        await sleep(SCHEDULE_TICK_MS);
        continue;
      }
      writerChangedAtLastCount = writerChangedAt;
      const count = await countInvoiceTableItems(input.invoiceTable.client, input.invoiceTable.tableName);
      lastCountAt = performance.now();
      result.lastCount = count;
      result.countScans.count++;
      result.countScans.totalMs += count.elapsedMs;
      if (count.lines >= input.lines) {
        result.dynamodbConfirmedAt = lastCountAt;
        history.push({ at: lastCountAt, positions: await readConsumerPositions(input.stateDir, input.streamArn) });
        const writer = caughtUpTimes(history).find((consumer) => input.isTableWriter(consumer.functionName));
        result.dynamodbCompleteAt = writer?.caughtUpAt ?? lastCountAt;
      } else {
        nextCountAt = lastCountAt + Math.max(MIN_COUNT_INTERVAL_MS, COUNT_SPACING_FACTOR * count.elapsedMs);
      }
    }
  };
  const reportProgress = async () => {
    while (!done() && !timedOut()) {
      await sleep(PROGRESS_INTERVAL_MS);
      if (done()) break;
      const seconds = ((performance.now() - started) / 1000).toFixed(0);
      const table = firstLoad
        ? `dynamodb ${result.lastCount?.lines.toLocaleString('en-GB') ?? '?'} lines`
        : 'dynamodb (rewrites)';
      const warehouse =
        result.warehouseCount === undefined
          ? ''
          : `, warehouse ${result.warehouseCount.factLines.toLocaleString('en-GB')} lines`;
      input.log(
        `  +${seconds} s: ${table}, raw s3 ${input.rawBucket.linesDelivered(input.loadNumber).toLocaleString('en-GB')}${warehouse} of ${input.lines.toLocaleString('en-GB')} lines`,
      );
    }
  };

  await Promise.all([samplePositions(), pollRawBucket(), pollWarehouse(), pollInvoiceTable(), reportProgress()]);
  // One more sample, so a consumer that finished with the last reading is timed too.
  history.push({ at: performance.now(), positions: await readConsumerPositions(input.stateDir, input.streamArn) });
  result.consumers = caughtUpTimes(history);
  result.rawS3 = {
    objects: input.rawBucket.objects,
    records: input.rawBucket.records,
    lines: input.rawBucket.linesDelivered(input.loadNumber),
  };
  return result;
}

/**
 * For each consumer, the first sample at which it had reached, on every shard, the furthest position any consumer
 * reached by the last sample: the end of the stream once the consumers are done.
 */
function caughtUpTimes(
  history: readonly { at: number; positions: ConsumerPosition[] }[],
): { functionName: string; caughtUpAt: number | undefined }[] {
  const latest = history[history.length - 1]?.positions ?? [];
  const ends = new Map<string, bigint>();
  for (const consumer of latest) {
    for (const [shardId, position] of consumer.shards)
      if (position > (ends.get(shardId) ?? -1n)) ends.set(shardId, position);
  }
  return latest.map(({ functionName }) => {
    const reached = history.find(({ positions }) => {
      const shards = positions.find((consumer) => consumer.functionName === functionName)?.shards;
      return shards !== undefined && [...ends].every(([shardId, end]) => (shards.get(shardId) ?? -1n) >= end);
    });
    return { functionName, caughtUpAt: reached?.at };
  });
}
