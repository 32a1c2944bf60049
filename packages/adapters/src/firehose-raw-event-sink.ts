import { setTimeout as sleep } from 'node:timers/promises';
import { PutRecordBatchCommand, type FirehoseClient, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import type { InvoiceLineEvent } from '@retail/domain';
import type { RawEventNotDelivered, RawEventSink, RawEventsDelivered } from './raw-event-sink';

/** PutRecordBatch accepts at most 500 records and 4 MiB of record data per call. */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * 1024 * 1024;

export interface RawEventRetryPolicy {
  /** Calls per batch, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

// About 3 s of waiting at worst per batch: small beside the stream handler's timeout.
export const DEFAULT_RAW_EVENT_RETRY_POLICY: RawEventRetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
};

export interface FirehoseRawEventSinkOptions {
  retry?: Partial<RawEventRetryPolicy>;
  /** Returns a number in [0, 1); replaceable so tests can pin the jitter. */
  random?: () => number;
}

interface Entry {
  index: number;
  lineId: string;
  data: Buffer;
}

/**
 * Sends invoice lines to a Firehose delivery stream with PutRecordBatch, one record per line holding exactly its
 * canonical JSON (the stream's AppendDelimiterToRecord processor adds the newline). Only the entries Firehose
 * refused are sent again, with exponential backoff and full jitter; those still refused are reported.
 */
export class FirehoseRawEventSink implements RawEventSink {
  private readonly retry: RawEventRetryPolicy;
  private readonly random: () => number;

  constructor(
    private readonly firehose: FirehoseClient,
    private readonly deliveryStreamName: string,
    options: FirehoseRawEventSinkOptions = {},
  ) {
    this.retry = { ...DEFAULT_RAW_EVENT_RETRY_POLICY, ...options.retry };
    this.random = options.random ?? Math.random;
  }

  async deliver(events: readonly InvoiceLineEvent[]): Promise<RawEventsDelivered> {
    const entries = events.map((event, index): Entry => ({
      index,
      lineId: event.lineId,
      data: Buffer.from(JSON.stringify(event), 'utf8'),
    }));
    const notDelivered: RawEventNotDelivered[] = [];
    // Firehose keeps no order, so a batch that fails does not hold back the next one.
    for (const batch of putRecordBatches(entries)) notDelivered.push(...(await this.deliverBatch(batch)));
    return { delivered: events.length - notDelivered.length, notDelivered };
  }

  /** Resolves with the entries still refused after the last attempt (none when Firehose took the whole batch). */
  private async deliverBatch(batch: readonly Entry[]): Promise<RawEventNotDelivered[]> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let output: PutRecordBatchCommandOutput;
      try {
        output = await this.firehose.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: this.deliveryStreamName,
            Records: pending.map((entry) => ({ Data: entry.data })),
          }),
        );
      } catch (error) {
        // The SDK has already retried the call itself; only an outage is worth reporting as events not delivered.
        if (!isOutage(error)) throw error;
        return pending.map((entry) => ({ index: entry.index, lineId: entry.lineId, errorCode: (error as Error).name }));
      }
      // A call can succeed with FailedPutCount > 0: each entry says for itself whether Firehose took it.
      const refused = pending.flatMap((entry, i) => {
        const result = output.RequestResponses?.[i];
        if (result?.RecordId !== undefined && result.ErrorCode === undefined) return [];
        return [{ index: entry.index, lineId: entry.lineId, errorCode: result?.ErrorCode ?? 'NoRecordId' }];
      });
      if (refused.length === 0 || attempt >= this.retry.maxAttempts) return refused;
      await sleep(this.backoffMs(attempt));
      const refusedIndexes = new Set(refused.map((entry) => entry.index));
      pending = pending.filter((entry) => refusedIndexes.has(entry.index));
    }
  }

  /** Full jitter: uniform between 0 and the exponential ceiling. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * ceiling);
  }
}

/** Consecutive batches within PutRecordBatch's limits, in the order of the events. */
function putRecordBatches(entries: readonly Entry[]): Entry[][] {
  const batches: Entry[][] = [];
  let current: Entry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    if (
      current.length === PUT_RECORD_BATCH_MAX_RECORDS ||
      (current.length > 0 && currentBytes + entry.data.length > PUT_RECORD_BATCH_MAX_BYTES)
    ) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += entry.data.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

// Firehose answers throttling with ServiceUnavailableException.
const THROTTLING_ERRORS = new Set(['ServiceUnavailableException', 'ThrottlingException', 'LimitExceededException']);

/**
 * Throttling, a Firehose server fault or no answer at all (network): the events may go through on a later
 * invocation. Anything else (no such stream, access denied, invalid request) is a fault of this deployment and is
 * thrown, failing the whole batch loudly.
 */
function isOutage(error: unknown): boolean {
  const { name, $fault, $metadata } = error as {
    name?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (name !== undefined && THROTTLING_ERRORS.has(name)) return true;
  if ($fault === 'server') return true;
  return $metadata?.httpStatusCode === undefined && $fault === undefined;
}
