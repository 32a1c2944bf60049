import type { KinesisStreamRecord } from 'aws-lambda';

/**
 * The failed-records bucket: what the stream consumers give up on. Lambda's on-failure destination writes its
 * invocation records under `aws/lambda/` (AWS's key layout); the consumers write each record that can never succeed
 * under `invalid/`; `npm run redrive` moves what it put back on the stream under `redriven/`. The one description of
 * that layout, for the functions that write it and the command that reads it.
 */
export const ON_FAILURE_INVOCATION_RECORDS_PREFIX = 'aws/lambda/';
export const INVALID_RECORDS_PREFIX = 'invalid/';
export const REDRIVEN_PREFIX = 'redriven/';

/** Why a record can never succeed: its data is not an invoice line, or its sink refuses it as invalid. */
export type InvalidRecordProblem = 'not-an-invoice-line' | 'refused-by-sink';

/** A record of a stream batch that can never succeed, as the function received it, and why. */
export interface InvalidRecord {
  record: KinesisStreamRecord;
  problem: InvalidRecordProblem;
  reason: string;
}

/** The object a consumer writes for an invalid record. */
export interface InvalidRecordObject {
  version: '1.0';
  functionName: string;
  problem: InvalidRecordProblem;
  reason: string;
  /** When the function gave up on it (ISO 8601). */
  at: string;
  record: KinesisStreamRecord;
}

/** Where the stream consumers keep the records that can never succeed. */
export interface FailedRecords {
  /**
   * Keeps each record with its reason, once: a record kept again (a retried or re-delivered batch) overwrites itself.
   * Resolves with the records it could not keep (sequence number -> why), which must then be retried.
   */
  keepInvalid(functionName: string, records: readonly InvalidRecord[]): Promise<Map<string, string>>;
}

/**
 * `invalid/<function>/<YYYY-MM-DD>/<shard>/<sequence number>.json`, the day the record reached the stream (UTC): the
 * same key every time the record is kept, and one folder per function and day to look through.
 */
export function invalidRecordKey(functionName: string, record: KinesisStreamRecord): string {
  const day = new Date(record.kinesis.approximateArrivalTimestamp * 1000).toISOString().slice(0, 10);
  const shardId = record.eventID.split(':')[0] ?? 'unknown-shard';
  return `${INVALID_RECORDS_PREFIX}${functionName}/${day}/${shardId}/${record.kinesis.sequenceNumber}.json`;
}

export function invalidRecordObject(functionName: string, invalid: InvalidRecord, at: Date): InvalidRecordObject {
  return {
    version: '1.0',
    functionName,
    problem: invalid.problem,
    reason: invalid.reason,
    at: at.toISOString(),
    record: invalid.record,
  };
}

/** The object read back, or undefined when it is not one a consumer wrote. */
export function readInvalidRecordObject(value: unknown): InvalidRecordObject | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const object = value as Partial<InvalidRecordObject>;
  const data = object.record?.kinesis?.data;
  const problems: unknown[] = ['not-an-invoice-line', 'refused-by-sink'] satisfies InvalidRecordProblem[];
  if (
    typeof object.functionName !== 'string' ||
    !problems.includes(object.problem) ||
    typeof object.reason !== 'string' ||
    typeof data !== 'string'
  )
    return undefined;
  return object as InvalidRecordObject;
}

/** `arn:aws:s3:::<bucket>` -> `<bucket>`: the functions are given the bucket's ARN, as the on-failure destination is. */
export function bucketNameOfArn(arn: string): string {
  const match = /^arn:aws[a-zA-Z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/.exec(arn);
  if (!match?.[1]) throw new Error(`"${arn}" is not an S3 bucket ARN: expected arn:aws:s3:::<bucket>`);
  return match[1];
}
