import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { ParsedRecord } from '@aws-lambda-powertools/batch/types';
import type { Logger } from '@aws-lambda-powertools/logger';
import { KinesisDataStreamRecord, KinesisDataStreamRecordPayload } from '@aws-lambda-powertools/parser/schemas/kinesis';
import { InvoiceLineEventSchema, type InvoiceLineEvent } from '@retail/domain';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { gunzipSync } from 'node:zlib';
import * as z from 'zod';
import type { FailedRecords, InvalidRecord } from './failed-records';

const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * A record's base64 `data` as JSON (gunzipped first when it is gzip), then the inner schema: what Powertools'
 * `Base64Encoded` helper accepts. That helper tries to gunzip every record and catches the failure, and decodes
 * twice in JavaScript: about 600 µs of CPU per record against 15 µs for this (measured on the sample), which was
 * the largest cost of both stream consumers.
 */
function base64Json<T extends z.ZodType>(inner: T) {
  return z
    .string()
    .transform((data, context) => {
      try {
        const bytes = Buffer.from(data, 'base64');
        const isGzip = bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
        return JSON.parse((isGzip ? gunzipSync(bytes) : bytes).toString('utf8')) as unknown;
      } catch (error) {
        context.addIssue({
          code: 'custom',
          message: `record data is not base64 JSON: ${(error as Error).message}`,
          fatal: true,
        });
        return z.NEVER;
      }
    })
    .pipe(inner);
}

/** A record's `data` as the stream consumers read it: base64 (gzipped or not) JSON of an InvoiceLineEvent. */
const InvoiceLineRecordData = base64Json(InvoiceLineEventSchema);

/**
 * A record's `data` read exactly as the stream consumers read it: its invoice line, or why it is not one (worded as
 * the consumers word it). For a command that must tell whether a record kept aside would be taken now.
 */
export function readInvoiceLineData(data: string): { line: InvoiceLineEvent } | { reason: string } {
  const result = InvoiceLineRecordData.safeParse(data);
  if (result.success) return { line: result.data };
  return {
    reason: result.error.issues
      .map((issue) => `${['kinesis', 'data', ...issue.path.map(String)].join('.')}: ${issue.message}`)
      .join('; '),
  };
}

/**
 * Makes the BatchProcessor that parses each Kinesis record's data into an InvoiceLineEvent: call once per Lambda
 * container, at module scope, and call what it returns once per batch. The record schema (Powertools' Kinesis record
 * with a base64 JSON InvoiceLineEvent as its data) is built once here (given `innerSchema`, the parser rebuilds it for
 * every record). A BatchProcessor holds the records and results of the batch it processes, so each batch gets its
 * own: serverless-offline runs a function's invocations side by side in one process (`--useInProcess`), and two
 * shards' batches sharing one processor read each other's records, and a batch whose records were swapped out was
 * checkpointed with none of its lines written (found by the outage test, 2026-12-07).
 */
export function invoiceLineRecordProcessorFactory(logger: Logger): () => BatchProcessor {
  const schema = KinesisDataStreamRecord.extend({
    kinesis: KinesisDataStreamRecordPayload.extend({ data: InvoiceLineRecordData }),
  });
  return () => new BatchProcessor(EventType.KinesisDataStreams, { parser, schema, logger });
}

export interface InvoiceLineRecordsReader {
  /** From invoiceLineRecordProcessorFactory. */
  newProcessor: () => BatchProcessor;
  logger: Logger;
}

export interface InvoiceLineRecords {
  /** Each invoice line of the batch by its record's sequence number, in the batch's order. */
  lineOfRecord: Map<string, InvoiceLineEvent>;
  /** The records that are not invoice lines, with why: no retry can change that. */
  notInvoiceLines: InvalidRecord[];
}

type InvoiceLineRecord = ParsedRecord<KinesisStreamRecord, InvoiceLineEvent>;

/**
 * Reads a batch of Kinesis records, each an invoice line: each record is parsed on its own, so one that is not an
 * invoice line is set aside with its reason, and the others go on.
 */
export async function readInvoiceLineRecords(
  event: KinesisStreamEvent,
  { newProcessor }: InvoiceLineRecordsReader,
  context?: Context,
): Promise<InvoiceLineRecords> {
  const processor = newProcessor();
  const lineOfRecord = new Map<string, InvoiceLineEvent>();
  const collectLine = async (record: InvoiceLineRecord) => {
    lineOfRecord.set(record.kinesis.sequenceNumber, record.kinesis.data);
  };
  // Only parsing can fail here, so an all-invalid batch is read record by record like any other.
  await processPartialResponse(event, collectLine, processor, { context, throwOnFullBatchFailure: false });
  const notInvoiceLines = processor.failureMessages.map((record, index): InvalidRecord => ({
    record: record as KinesisStreamRecord,
    problem: 'not-an-invoice-line',
    reason: processor.errors[index]?.message ?? 'not an invoice line',
  }));
  return { lineOfRecord, notInvoiceLines };
}

/** What became of a batch's records in the consumer's sink. */
export interface InvoiceLineBatchOutcome {
  /** Records that can never succeed (not an invoice line, refused by the sink as invalid), each with why. */
  invalid: readonly InvalidRecord[];
  /** Records the sink did not take this time (sequence number -> why): it did not answer, throttled or timed out. */
  unwritten: ReadonlyMap<string, string>;
}

export interface InvoiceLineBatchSettler {
  failedRecords: FailedRecords;
  logger: Logger;
}

export interface SettledInvoiceLineBatch {
  response: KinesisStreamBatchResponse;
  /** Invalid records kept in the failed-records bucket by this invocation. */
  recordsKept: number;
}

/**
 * Ends a batch the way transient and permanent failures part: each invalid record goes to the failed-records bucket
 * (at once, with its reason, never reported for retry), and the batch is reported for retry from the first record
 * the sink did not take, or that could not be kept: that record and every later one, so Lambda checkpoints just
 * before it and the shard keeps its order. Invalid records after that point are kept when their retry reaches them.
 */
export async function settleInvoiceLineBatch(
  event: KinesisStreamEvent,
  { invalid, unwritten }: InvoiceLineBatchOutcome,
  { failedRecords, logger }: InvoiceLineBatchSettler,
  functionName: string,
): Promise<SettledInvoiceLineBatch> {
  const indexOfRecord = new Map(event.Records.map((record, index) => [record.kinesis.sequenceNumber, index]));
  const indexOf = (sequenceNumber: string) => indexOfRecord.get(sequenceNumber) ?? event.Records.length;
  const whyRetried = new Map(unwritten);
  let firstRetried = Math.min(event.Records.length, ...[...unwritten.keys()].map(indexOf));

  const toKeep = invalid.filter(({ record }) => indexOf(record.kinesis.sequenceNumber) < firstRetried);
  const notKept = await failedRecords.keepInvalid(functionName, toKeep);
  for (const [sequenceNumber, reason] of notKept) {
    firstRetried = Math.min(firstRetried, indexOf(sequenceNumber));
    whyRetried.set(sequenceNumber, reason);
  }
  for (const { record, problem, reason } of toKeep) {
    if (notKept.has(record.kinesis.sequenceNumber)) continue;
    logger.warn('Record can never succeed; kept in the failed-records bucket, not retried', {
      sequenceNumber: record.kinesis.sequenceNumber,
      partitionKey: record.kinesis.partitionKey,
      problem,
      reason,
    });
  }

  const retried = event.Records.slice(firstRetried);
  const first = retried[0]?.kinesis.sequenceNumber;
  if (first !== undefined) {
    logger.error('Batch reported for retry from its first record not written', {
      sequenceNumber: first,
      recordsRetried: retried.length,
      reason: whyRetried.get(first),
    });
  }
  return {
    response: { batchItemFailures: retried.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber })) },
    recordsKept: toKeep.length - notKept.size,
  };
}
