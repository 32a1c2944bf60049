import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
  type ShardIteratorType,
} from '@aws-sdk/client-kinesis';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ExponentialBackoff } from '@retail/adapters';
import { judgeBatchItemFailures } from './batch-item-failures';
import type { CheckpointFile } from './checkpoint-file';
import {
  MAX_INVOKE_PAYLOAD_BYTES,
  kinesisEventBytes,
  kinesisEventPayload,
  toShardRecord,
  type ShardRecord,
} from './kinesis-event-record';
import type { KinesisEventSourceMapping } from './kinesis-event-source-mapping';
import {
  sendToOnFailureDestination,
  type DiscardCondition,
  type OnFailureDestinationClients,
} from './on-failure-destination';
import { matchesFilterPatterns } from './record-filter';
import { WakeSignal, abortableDelay } from './wake-signal';

// Kinesis's GetRecords maximum; kinesalite answers 10,000 records in about a third of a second.
const GET_RECORDS_LIMIT = 10_000;
// Records read ahead of the batch being invoked: reading overlaps invoking, memory stays bounded.
const READ_AHEAD_RECORDS = 20_000;
// A run of records the filters pass over is committed in chunks this long.
const MAX_SKIPPED_PER_COMMIT = 10_000;

/** Where the mapping reads a shard it has no checkpoint for. */
export interface ShardStart {
  iteratorType: 'TRIM_HORIZON' | 'LATEST';
  /** Records that arrived earlier are passed over (LATEST resumed after a restart, AT_TIMESTAMP). */
  skipArrivalsBeforeMs?: number;
}

/** How long the loops wait; tests shorten them. */
export interface EventSourceMappingTiming {
  /** After a GetRecords that returned nothing; doubles up to maxIdlePollMs (AWS polls an idle shard about once a second). */
  idlePollMs: number;
  maxIdlePollMs: number;
  /** Before retrying a failed batch, destination or call; doubles up to maxRetryDelayMs. */
  retryDelayMs: number;
  maxRetryDelayMs: number;
}

export interface EventSourceMappingLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface ShardConsumerContext {
  mapping: KinesisEventSourceMapping;
  shardId: string;
  start: ShardStart;
  kinesis: KinesisClient;
  lambda: LambdaClient;
  destination: OnFailureDestinationClients;
  checkpoints: CheckpointFile;
  timing: EventSourceMappingTiming;
  log: EventSourceMappingLog;
  /** Aborted by stop(): ends reads and waits at once. */
  stopSignal: AbortSignal;
  /** Aborted when stop() stops waiting for invocations and destination writes in flight. */
  abandonSignal: AbortSignal;
  /** Called whenever the shard may have become caught up or ended. */
  onProgress(): void;
}

export interface ShardStats {
  shardId: string;
  /** The last committed record. */
  checkpoint: string | undefined;
  recordsRead: number;
  /** Passed over by the start position or the filters, never invoked. */
  recordsSkipped: number;
  invocations: number;
  functionErrors: number;
  /** Invocations that got no answer from the function (endpoint down, unknown function): retried, not counted as retries. */
  invokeErrors: number;
  /** Records in batches the function processed successfully (a record retried after a partial failure counts again). */
  recordsProcessed: number;
  recordsSentToOnFailureDestination: number;
  /** Given up on with no on-failure destination configured: dropped, as AWS does. */
  recordsDropped: number;
  inFlight: boolean;
  ended: boolean;
}

export type ShardCounts = Omit<ShardStats, 'shardId' | 'checkpoint' | 'inFlight' | 'ended'>;

/** Every counter of a shard at zero: the start of a shard's stats and of their sum over shards. */
export function zeroShardCounts(): ShardCounts {
  return {
    recordsRead: 0,
    recordsSkipped: 0,
    invocations: 0,
    functionErrors: 0,
    invokeErrors: 0,
    recordsProcessed: 0,
    recordsSentToOnFailureDestination: 0,
    recordsDropped: 0,
  };
}

type InvokeOutcome =
  | { kind: 'success' }
  | { kind: 'partial'; firstFailedIndex: number }
  | { kind: 'function-error'; statusCode: number; functionError: string | null; detail: string }
  | { kind: 'invoke-error'; detail: string }
  | { kind: 'abandoned' };

type DeliveryResult = 'done' | 'stopped';

/**
 * Reads one shard and invokes the function with its records, in order, one batch at a time: Lambda's poller for a
 * Kinesis shard, checkpointing in `checkpoints` after every batch that is processed or sent to the destination.
 */
export class ShardConsumer {
  private readonly context: ShardConsumerContext;
  private readonly mapping: KinesisEventSourceMapping;
  private readonly shardId: string;
  private readonly buffer: ShardRecord[] = [];
  private readonly bufferChanged = new WakeSignal();
  private readonly bufferDrained = new WakeSignal();
  private readonly pollNow = new WakeSignal();
  private readerDone = false;
  private pollsStarted = 0;
  private lastEmptyPoll = 0;
  private lastReadSequenceNumber: string | undefined;
  private skipArrivalsBeforeMs: number | undefined;
  private latestIteratorTakenAtMs: number | undefined;
  private readonly shardStats: ShardStats;

  constructor(context: ShardConsumerContext) {
    this.context = context;
    this.mapping = context.mapping;
    this.shardId = context.shardId;
    const checkpoint = context.checkpoints.shard(context.shardId);
    this.shardStats = {
      shardId: context.shardId,
      checkpoint: checkpoint.sequenceNumber,
      ...zeroShardCounts(),
      inFlight: false,
      ended: checkpoint.ended === true,
    };
  }

  get stats(): ShardStats {
    return { ...this.shardStats };
  }

  get ended(): boolean {
    return this.shardStats.ended;
  }

  /** The index the next GetRecords call will have: a poll at or after it started after now. */
  get nextPollIndex(): number {
    return this.pollsStarted + 1;
  }

  /** Nothing read and not yet committed, and a GetRecords call numbered `sincePoll` or later found nothing new. */
  caughtUpSince(sincePoll: number): boolean {
    if (this.shardStats.ended) return true;
    // A closed shard read to its end is caught up only once it is marked ended (its children start then).
    if (this.readerDone) return false;
    return this.lastEmptyPoll >= sincePoll && this.buffer.length === 0 && !this.shardStats.inFlight;
  }

  /** Cuts short the wait between polls of an idle shard. */
  pollSoon(): void {
    this.pollNow.wake();
  }

  async run(): Promise<void> {
    if (this.shardStats.ended) return;
    await Promise.all([this.readLoop(), this.deliverLoop()]);
  }

  private get stopped(): boolean {
    return this.context.stopSignal.aborted;
  }

  private get label(): string {
    return `kinesis ${this.mapping.streamName}/${this.shardId} -> ${this.mapping.functionName}`;
  }

  // ---- reading ----

  private async readLoop(): Promise<void> {
    const { timing, stopSignal } = this.context;
    let iterator = await this.firstIterator();
    const idleWaits = new ExponentialBackoff({ baseDelayMs: timing.idlePollMs, maxDelayMs: timing.maxIdlePollMs });
    const errorWaits = retryBackoff(timing);
    while (iterator !== undefined && !this.stopped) {
      if (this.buffer.length >= READ_AHEAD_RECORDS) {
        await this.bufferDrained.wait(undefined, stopSignal);
        continue;
      }
      const pollIndex = ++this.pollsStarted;
      let output;
      try {
        output = await this.context.kinesis.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }),
          { abortSignal: stopSignal },
        );
      } catch (error) {
        if (this.stopped) return;
        if ((error as Error).name === 'ExpiredIteratorException') {
          iterator = await this.iteratorAfterExpiry();
          continue;
        }
        const delay = errorWaits.next();
        this.context.log.warn(`${this.label}: GetRecords failed (${describeError(error)}); retrying in ${delay} ms.`);
        await abortableDelay(delay, stopSignal);
        continue;
      }
      errorWaits.reset();
      const records = output.Records ?? [];
      if (records.length > 0) {
        for (const record of records) this.buffer.push(this.shardRecord(record));
        this.lastReadSequenceNumber = records[records.length - 1]?.SequenceNumber;
        this.shardStats.recordsRead += records.length;
        this.bufferChanged.wake();
        idleWaits.reset();
      } else {
        this.lastEmptyPoll = pollIndex;
        this.context.onProgress();
      }
      iterator = output.NextShardIterator;
      if (iterator === undefined) {
        // A closed shard read to its end: the deliver loop commits what is left, then marks the shard ended.
        this.readerDone = true;
        this.bufferChanged.wake();
        return;
      }
      if (records.length === 0) {
        await this.pollNow.wait(idleWaits.next(), stopSignal);
      }
    }
  }

  private shardRecord(record: KinesisRecord): ShardRecord {
    const arrivalMs = record.ApproximateArrivalTimestamp?.getTime() ?? 0;
    let deliver = true;
    if (this.skipArrivalsBeforeMs !== undefined) {
      if (arrivalMs < this.skipArrivalsBeforeMs) deliver = false;
      // Arrival times only grow along a shard: once one record is late enough, all later ones are.
      else this.skipArrivalsBeforeMs = undefined;
    }
    if (deliver && this.mapping.filterPatterns)
      deliver = matchesFilterPatterns(this.mapping.filterPatterns, record.Data ?? new Uint8Array());
    return toShardRecord(record, this.shardId, this.mapping, deliver);
  }

  private async firstIterator(): Promise<string | undefined> {
    const checkpoint = this.context.checkpoints.shard(this.shardId).sequenceNumber;
    if (checkpoint !== undefined) {
      this.context.log.info(`${this.label}: resuming after ${checkpoint}.`);
      // Where an expired iterator resumes until a record is read.
      this.lastReadSequenceNumber = checkpoint;
      return this.shardIterator('AFTER_SEQUENCE_NUMBER', checkpoint);
    }
    const { iteratorType, skipArrivalsBeforeMs } = this.context.start;
    this.skipArrivalsBeforeMs = skipArrivalsBeforeMs;
    const from =
      skipArrivalsBeforeMs === undefined
        ? iteratorType
        : `records that arrived from ${new Date(skipArrivalsBeforeMs).toISOString()}`;
    this.context.log.info(`${this.label}: starting at ${from}.`);
    if (iteratorType === 'LATEST') this.latestIteratorTakenAtMs = Date.now();
    return this.shardIterator(iteratorType);
  }

  /** A new iterator where the expired one was: after the last record read, or where the shard was started. */
  private iteratorAfterExpiry(): Promise<string | undefined> {
    if (this.lastReadSequenceNumber !== undefined)
      return this.shardIterator('AFTER_SEQUENCE_NUMBER', this.lastReadSequenceNumber);
    if (this.latestIteratorTakenAtMs !== undefined) {
      // LATEST again would skip what arrived since the first LATEST iterator: read from the start, passing over older records.
      this.skipArrivalsBeforeMs = this.latestIteratorTakenAtMs;
      return this.shardIterator('TRIM_HORIZON');
    }
    return this.shardIterator(this.context.start.iteratorType);
  }

  private async shardIterator(type: ShardIteratorType, sequenceNumber?: string): Promise<string | undefined> {
    const { timing, stopSignal } = this.context;
    const waits = retryBackoff(timing);
    while (!this.stopped) {
      try {
        const output = await this.context.kinesis.send(
          new GetShardIteratorCommand({
            StreamName: this.mapping.streamName,
            ShardId: this.shardId,
            ShardIteratorType: type,
            StartingSequenceNumber: sequenceNumber,
          }),
          { abortSignal: stopSignal },
        );
        return output.ShardIterator;
      } catch (error) {
        if (this.stopped) return undefined;
        const delay = waits.next();
        this.context.log.warn(
          `${this.label}: GetShardIterator ${type} ${sequenceNumber ?? ''} failed (${describeError(error)}); retrying in ${delay} ms.`,
        );
        await abortableDelay(delay, stopSignal);
      }
    }
    return undefined;
  }

  // ---- batching and delivery ----

  private async deliverLoop(): Promise<void> {
    while (!this.stopped) {
      const batch = await this.nextBatch();
      if (batch === undefined) break;
      try {
        await this.deliver(batch, 0);
      } finally {
        this.shardStats.inFlight = false;
        this.context.onProgress();
      }
    }
    if (this.readerDone && this.buffer.length === 0 && !this.stopped) {
      await this.commit({ ended: true });
      this.shardStats.ended = true;
      this.context.log.info(`${this.label}: the shard is closed and every record is committed.`);
      this.context.onProgress();
    }
  }

  /** The next batch: up to batchSize records under 6 MB, after waiting up to the batching window for it to fill. */
  private async nextBatch(): Promise<ShardRecord[] | undefined> {
    const { stopSignal } = this.context;
    const windowMs = this.mapping.maximumBatchingWindowInSeconds * 1000;
    while (!this.stopped) {
      if (this.buffer.length === 0) {
        if (this.readerDone) return undefined;
        await this.bufferChanged.wait(undefined, stopSignal);
        continue;
      }
      const { length, full, firstDeliverableReadAtMs } = this.measureBatch();
      if (!full && windowMs > 0 && !this.readerDone && firstDeliverableReadAtMs !== undefined) {
        const remainingMs = firstDeliverableReadAtMs + windowMs - Date.now();
        if (remainingMs > 0) {
          await this.bufferChanged.wait(remainingMs, stopSignal);
          continue;
        }
      }
      // Taken and marked in flight in one step, so idle() never sees the records in neither place.
      this.shardStats.inFlight = true;
      const batch = this.buffer.splice(0, length);
      this.bufferDrained.wake();
      return batch;
    }
    return undefined;
  }

  private measureBatch(): { length: number; full: boolean; firstDeliverableReadAtMs: number | undefined } {
    let deliverable = 0;
    let bytes = 0;
    let length = 0;
    let firstDeliverableReadAtMs: number | undefined;
    for (const record of this.buffer) {
      if (record.deliver) {
        if (deliverable === this.mapping.batchSize) return { length, full: true, firstDeliverableReadAtMs };
        if (kinesisEventBytes(deliverable + 1, bytes + record.eventRecord.length) > MAX_INVOKE_PAYLOAD_BYTES) {
          return { length, full: true, firstDeliverableReadAtMs };
        }
        deliverable += 1;
        bytes += record.eventRecord.length;
        firstDeliverableReadAtMs ??= record.readAtMs;
      } else if (length - deliverable >= MAX_SKIPPED_PER_COMMIT) {
        return { length, full: true, firstDeliverableReadAtMs };
      }
      length += 1;
    }
    return { length, full: deliverable === this.mapping.batchSize, firstDeliverableReadAtMs };
  }

  /**
   * Processes `slice` (consecutive records of the shard) until every record in it is processed or sent to the
   * on-failure destination, then checkpoints after it. `retries` counts the failed invocations already spent on it.
   */
  private async deliver(slice: ShardRecord[], retries: number): Promise<DeliveryResult> {
    const { timing, stopSignal } = this.context;
    let invokeCount = 0;
    const waits = retryBackoff(timing);
    let remaining = slice;
    for (;;) {
      if (this.stopped) return 'stopped';
      const expired = this.expiredRecordCount(remaining);
      if (expired > 0) {
        // Records that aged out while retried count the invocations spent on them; like records that never reached
        // the function, they get no responseContext here.
        const invocations = Math.max(1, invokeCount);
        const result = await this.giveUp(remaining.slice(0, expired), 'RecordAgeExceeded', invocations, undefined);
        if (result === 'stopped') return result;
        remaining = remaining.slice(expired);
      }
      const records = remaining.filter((record) => record.deliver);
      if (records.length === 0) {
        this.shardStats.recordsSkipped += remaining.length;
        return this.commitThrough(remaining);
      }

      const outcome = await this.invoke(records);
      if (outcome.kind === 'abandoned') return 'stopped';
      if (outcome.kind === 'success') {
        this.shardStats.recordsProcessed += records.length;
        this.shardStats.recordsSkipped += remaining.length - records.length;
        return this.commitThrough(remaining);
      }
      const retryDelay = waits.next();
      if (outcome.kind === 'invoke-error') {
        // Lambda retries what it could not invoke until the records expire, without spending retry attempts.
        this.shardStats.invokeErrors += 1;
        this.context.log.warn(
          `${this.label}: could not invoke the function (${outcome.detail}); retrying in ${retryDelay} ms.`,
        );
      } else {
        invokeCount += 1;
        this.shardStats.functionErrors += outcome.kind === 'function-error' ? 1 : 0;
        if (outcome.kind === 'partial') {
          const firstFailed = records[outcome.firstFailedIndex] as ShardRecord;
          const failedAt = remaining.indexOf(firstFailed);
          const succeeded = remaining.slice(0, failedAt);
          if (succeeded.length > 0) {
            this.shardStats.recordsProcessed += succeeded.filter((record) => record.deliver).length;
            if ((await this.commitThrough(succeeded)) === 'stopped') return 'stopped';
          }
          remaining = remaining.slice(failedAt);
        } else if (this.mapping.bisectBatchOnFunctionError && records.length > 1) {
          // Splitting spends no retry attempt (AWS); each half keeps the count so far.
          const [firstHalf, secondHalf] = splitInHalf(remaining);
          this.context.log.warn(
            `${this.label}: ${this.describeFailure(records, outcome)}; bisecting into ${firstHalf.length} + ${secondHalf.length} records.`,
          );
          if ((await this.deliver(firstHalf, retries)) === 'stopped') return 'stopped';
          return this.deliver(secondHalf, retries);
        }
        retries += 1;
        const response =
          outcome.kind === 'partial'
            ? { statusCode: 200, functionError: null }
            : { statusCode: outcome.statusCode, functionError: outcome.functionError };
        if (this.mapping.maximumRetryAttempts !== -1 && retries > this.mapping.maximumRetryAttempts) {
          this.context.log.warn(
            `${this.label}: ${this.describeFailure(records, outcome)}; retry attempts (${this.mapping.maximumRetryAttempts}) exhausted.`,
          );
          return this.giveUp(remaining, 'RetryAttemptsExhausted', invokeCount, response);
        }
        const limit = this.mapping.maximumRetryAttempts === -1 ? 'no limit' : `of ${this.mapping.maximumRetryAttempts}`;
        this.context.log.warn(
          `${this.label}: ${this.describeFailure(records, outcome)}; retry ${retries} (${limit}) in ${retryDelay} ms.`,
        );
      }
      await abortableDelay(retryDelay, stopSignal);
    }
  }

  private async invoke(records: ShardRecord[]): Promise<InvokeOutcome> {
    this.shardStats.invocations += 1;
    let output;
    try {
      output = await this.context.lambda.send(
        new InvokeCommand({
          FunctionName: this.mapping.functionName,
          InvocationType: 'RequestResponse',
          Payload: kinesisEventPayload(records),
        }),
        { abortSignal: this.context.abandonSignal },
      );
    } catch (error) {
      if (this.context.abandonSignal.aborted) return { kind: 'abandoned' };
      return { kind: 'invoke-error', detail: describeError(error) };
    }
    const responsePayload = output.Payload ? output.Payload.transformToString() : '';
    const statusCode = output.StatusCode ?? 200;
    if (output.FunctionError) {
      return {
        kind: 'function-error',
        statusCode,
        functionError: output.FunctionError,
        detail: describeFunctionError(output.FunctionError, responsePayload),
      };
    }
    if (!this.mapping.reportBatchItemFailures) return { kind: 'success' };
    const verdict = judgeBatchItemFailures(
      responsePayload,
      records.map((record) => record.sequenceNumber),
    );
    if (verdict.kind === 'batch-failure')
      return { kind: 'function-error', statusCode, functionError: null, detail: verdict.reason };
    return verdict;
  }

  /** How many records at the start of `records` are older than maximumRecordAgeInSeconds. */
  private expiredRecordCount(records: ShardRecord[]): number {
    if (this.mapping.maximumRecordAgeInSeconds === -1) return 0;
    const oldestAllowedMs = Date.now() - this.mapping.maximumRecordAgeInSeconds * 1000;
    const firstFresh = records.findIndex((record) => record.approximateArrivalMs > oldestAllowedMs);
    return firstFresh === -1 ? records.length : firstFresh;
  }

  /** Sends `slice` to the on-failure destination (or drops it, as AWS does without one), then checkpoints after it. */
  private async giveUp(
    slice: ShardRecord[],
    condition: DiscardCondition,
    approximateInvokeCount: number,
    response: { statusCode: number; functionError: string | null } | undefined,
  ): Promise<DeliveryResult> {
    const records = slice.filter((record) => record.deliver);
    const { onFailureDestinationArn } = this.mapping;
    const range = `${records.length} records ${records[0]?.sequenceNumber ?? ''}..${records[records.length - 1]?.sequenceNumber ?? ''}`;
    if (records.length > 0 && onFailureDestinationArn === undefined) {
      this.context.log.warn(
        `${this.label}: ${condition}: dropping ${range} (no on-failure destination is configured, so AWS drops them too).`,
      );
      this.shardStats.recordsDropped += records.length;
    } else if (records.length > 0 && onFailureDestinationArn !== undefined) {
      const { timing, stopSignal, abandonSignal } = this.context;
      const waits = retryBackoff(timing);
      for (;;) {
        if (this.stopped) return 'stopped';
        try {
          const where = await sendToOnFailureDestination(
            onFailureDestinationArn,
            this.mapping,
            { shardId: this.shardId, records, condition, approximateInvokeCount, response },
            this.context.destination,
            abandonSignal,
          );
          const place = where.kind === 's3' ? `s3://${where.bucket}/${where.key}` : where.path;
          this.context.log.warn(`${this.label}: ${condition}: sent ${range} to ${place}.`);
          this.shardStats.recordsSentToOnFailureDestination += records.length;
          break;
        } catch (error) {
          if (abandonSignal.aborted) return 'stopped';
          // Never checkpoint past records that are neither processed nor kept somewhere.
          const delay = waits.next();
          this.context.log.warn(
            `${this.label}: could not send ${range} to ${onFailureDestinationArn} (${describeError(error)}); retrying in ${delay} ms.`,
          );
          await abortableDelay(delay, stopSignal);
        }
      }
    }
    this.shardStats.recordsSkipped += slice.length - records.length;
    return this.commitThrough(slice);
  }

  private describeFailure(records: ShardRecord[], outcome: InvokeOutcome): string {
    const detail =
      outcome.kind === 'function-error'
        ? outcome.detail
        : outcome.kind === 'partial'
          ? 'the function reported batch item failures'
          : outcome.kind;
    return `batch of ${records.length} records ${records[0]?.sequenceNumber ?? ''}..${records[records.length - 1]?.sequenceNumber ?? ''} failed: ${detail}`;
  }

  private commitThrough(records: ShardRecord[]): Promise<DeliveryResult> {
    const last = records[records.length - 1];
    return last === undefined ? Promise.resolve('done') : this.commit({ sequenceNumber: last.sequenceNumber });
  }

  private async commit(checkpoint: { sequenceNumber?: string; ended?: boolean }): Promise<DeliveryResult> {
    const { timing, stopSignal } = this.context;
    const waits = retryBackoff(timing);
    for (;;) {
      try {
        this.context.checkpoints.commit(this.shardId, checkpoint);
        if (checkpoint.sequenceNumber !== undefined) this.shardStats.checkpoint = checkpoint.sequenceNumber;
        return 'done';
      } catch (error) {
        const delay = waits.next();
        this.context.log.warn(
          `${this.label}: could not write ${this.context.checkpoints.filePath} (${describeError(error)}); retrying in ${delay} ms.`,
        );
        if (this.stopped) return 'stopped';
        await abortableDelay(delay, stopSignal);
      }
    }
  }
}

/** The waits between retries of a failed call or batch: retryDelayMs, doubling up to maxRetryDelayMs. */
export function retryBackoff(timing: EventSourceMappingTiming): ExponentialBackoff {
  return new ExponentialBackoff({ baseDelayMs: timing.retryDelayMs, maxDelayMs: timing.maxRetryDelayMs });
}

/** Two halves of `slice` with as many invocable records each (the first gets the odd one). */
function splitInHalf(slice: ShardRecord[]): [ShardRecord[], ShardRecord[]] {
  const deliverable = slice.filter((record) => record.deliver).length;
  let seen = 0;
  const cut = slice.findIndex((record) => record.deliver && ++seen > Math.ceil(deliverable / 2));
  return [slice.slice(0, cut), slice.slice(cut)];
}

function describeFunctionError(functionError: string, payload: string): string {
  try {
    const error = JSON.parse(payload) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof error.errorMessage === 'string')
      return `${functionError} ${String(error.errorType ?? 'Error')}: ${error.errorMessage}`;
  } catch {
    // Not the usual { errorType, errorMessage }: show it raw.
  }
  return `${functionError}: ${payload.slice(0, 300)}`;
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return `${error.name}: ${error.message}${status ? ` (HTTP ${status})` : ''}`;
}
