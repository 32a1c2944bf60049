import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import type { InvoiceLineEvent } from '@retail/domain';
import type { RawEventNotDelivered, RawEventSink, RawEventsDelivered } from './raw-event-sink';
import { isOutage, sendRetryingFailedEntries, type RetryPolicy } from './retry';

/** PutRecordBatch accepts at most 500 records and 4 MiB of record data per call. */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * 1024 * 1024;

// About 3 s of waiting at worst per batch: small beside the stream handler's timeout.
export const DEFAULT_RAW_EVENT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
};

export interface FirehoseRawEventSinkOptions {
  retry?: Partial<RetryPolicy>;
  /** Returns a number in [0, 1); replaceable so tests can pin the jitter. */
  random?: () => number;
}

interface Entry {
  index: number;
  lineId: string;
  data: Buffer;
  /** Why the last call refused it. */
  errorCode?: string;
}

/**
 * Sends invoice lines to a Firehose delivery stream with PutRecordBatch, one record per line holding exactly its
 * canonical JSON (the stream's AppendDelimiterToRecord processor adds the newline). Only the entries Firehose
 * refused are sent again, with exponential backoff and full jitter; those still refused are reported.
 */
export class FirehoseRawEventSink implements RawEventSink {
  private readonly retry: RetryPolicy;
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
    const { failed, error } = await sendRetryingFailedEntries(
      batch,
      this.retry,
      async (pending) => {
        const output = await this.firehose.send(
          new PutRecordBatchCommand({
            DeliveryStreamName: this.deliveryStreamName,
            Records: pending.map((entry) => ({ Data: entry.data })),
          }),
        );
        // A call can succeed with FailedPutCount > 0: each entry says for itself whether Firehose took it.
        return pending.flatMap((entry, i) => {
          const result = output.RequestResponses?.[i];
          if (result?.RecordId !== undefined && result.ErrorCode === undefined) return [];
          return [{ ...entry, errorCode: result?.ErrorCode ?? 'NoRecordId' }];
        });
      },
      this.random,
    );
    const notDelivered = (entry: Entry, errorCode: string): RawEventNotDelivered => ({
      index: entry.index,
      lineId: entry.lineId,
      errorCode,
    });
    if (error === undefined) return failed.map((entry) => notDelivered(entry, entry.errorCode ?? 'NoRecordId'));
    const { name, message } = error as Error;
    if (INVALID_REQUEST_ERRORS.has(name)) {
      // Firehose refuses a call as a whole: one record alone per call finds the records it refuses themselves.
      if (failed.length === 1)
        return failed.map((entry) => ({ ...notDelivered(entry, `${name}: ${message}`), refused: true as const }));
      const alone: RawEventNotDelivered[] = [];
      for (const entry of failed) alone.push(...(await this.deliverBatch([entry])));
      return alone;
    }
    // The SDK has already retried the call itself; only an outage is worth reporting as events not delivered.
    if (!isOutage(error, THROTTLING_ERRORS)) throw error;
    return failed.map((entry) => notDelivered(entry, name));
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

// Firehose answers throttling with ServiceUnavailableException. An outage (throttling, a server fault, no answer)
// leaves events for a later invocation; anything else is a fault of this deployment, thrown to fail the whole batch.
const THROTTLING_ERRORS = new Set(['ServiceUnavailableException', 'ThrottlingException', 'LimitExceededException']);
// What Firehose answers a call it will never accept as it is, e.g. a record over 1,000 KiB.
const INVALID_REQUEST_ERRORS = new Set(['InvalidArgumentException']);
