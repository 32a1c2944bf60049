import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { InvoiceLineEvent } from '@retail/domain';
import type { InvoiceLineStream, InvoiceLinesPut, LineNotPut } from './invoice-line-stream';
import { isOutage, sendRetryingFailedEntries, type RetryPolicy } from './retry';

/** PutRecords accepts at most 500 records and 5 MiB (data plus partition keys) per call. */
export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

// Worst case about 1.5 s of waiting per batch: a request of 10 batches stays far inside API Gateway's 29 s.
export const DEFAULT_PUT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

export interface KinesisInvoiceLineStreamOptions {
  retry?: Partial<RetryPolicy>;
  /** Returns a number in [0, 1); replaceable so tests can pin the jitter. */
  random?: () => number;
}

interface Entry {
  index: number;
  lineId: string;
  record: PutRecordsRequestEntry;
  bytes: number;
  /** Why the last call refused it. */
  errorCode?: string;
}

/**
 * Puts invoice lines on a Kinesis stream with PutRecords, partition key = invoice number so the lines of an
 * invoice land on one shard in order. Only the entries Kinesis refused are sent again, with exponential backoff
 * and full jitter. Batches go one after another, and the first batch that still has refused entries after the
 * last attempt stops the put: later lines of the same invoices must not overtake them.
 */
export class KinesisInvoiceLineStream implements InvoiceLineStream {
  private readonly retry: RetryPolicy;
  private readonly random: () => number;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    options: KinesisInvoiceLineStreamOptions = {},
  ) {
    this.retry = { ...DEFAULT_PUT_RETRY_POLICY, ...options.retry };
    this.random = options.random ?? Math.random;
  }

  async put(lines: readonly InvoiceLineEvent[]): Promise<InvoiceLinesPut> {
    const batches = putRecordsBatches(lines.map(toEntry));
    const notPut: LineNotPut[] = [];
    for (const [number, batch] of batches.entries()) {
      notPut.push(...(await this.putBatch(batch)));
      if (notPut.length > 0) {
        const notAttempted = batches.slice(number + 1).flat();
        notPut.push(
          ...notAttempted.map((entry) => ({ index: entry.index, lineId: entry.lineId, errorCode: 'NotAttempted' })),
        );
        break;
      }
    }
    return { put: lines.length - notPut.length, notPut };
  }

  /** Resolves with the entries still refused after the last attempt (none when the whole batch is on the stream). */
  private async putBatch(batch: readonly Entry[]): Promise<LineNotPut[]> {
    const { failed, error } = await sendRetryingFailedEntries(
      batch,
      this.retry,
      async (pending) => {
        const output = await this.kinesis.send(
          new PutRecordsCommand({ StreamName: this.streamName, Records: pending.map((e) => e.record) }),
        );
        // A call can succeed with FailedRecordCount > 0: each entry says for itself whether it got a sequence number.
        return pending.flatMap((entry, i) => {
          const result = output.Records?.[i];
          if (result?.SequenceNumber !== undefined && result.ErrorCode === undefined) return [];
          return [{ ...entry, errorCode: result?.ErrorCode ?? 'NoSequenceNumber' }];
        });
      },
      this.random,
    );
    const notPut = (entry: Entry, errorCode: string): LineNotPut => ({
      index: entry.index,
      lineId: entry.lineId,
      errorCode,
    });
    if (error === undefined) return failed.map((entry) => notPut(entry, entry.errorCode ?? 'NoSequenceNumber'));
    // The SDK has already retried the call itself; only an outage is worth reporting as lines not put.
    if (!isOutage(error, THROTTLING_ERRORS)) throw error;
    return failed.map((entry) => notPut(entry, (error as Error).name));
  }
}

function toEntry(line: InvoiceLineEvent, index: number): Entry {
  const data = Buffer.from(JSON.stringify(line), 'utf8');
  return {
    index,
    lineId: line.lineId,
    record: { PartitionKey: line.invoiceNo, Data: data },
    bytes: data.length + Buffer.byteLength(line.invoiceNo, 'utf8'),
  };
}

/** Consecutive batches within PutRecords' limits, in the order of the lines. */
function putRecordsBatches(entries: readonly Entry[]): Entry[][] {
  const batches: Entry[][] = [];
  let current: Entry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    if (current.length === PUT_RECORDS_MAX_RECORDS || currentBytes + entry.bytes > PUT_RECORDS_MAX_BYTES) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += entry.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

// Throttling: the lines may go through later (as after a Kinesis server fault or a network error).
const THROTTLING_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'ThrottlingException',
  'KMSThrottlingException',
]);
