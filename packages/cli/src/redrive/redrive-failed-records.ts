import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  INVALID_RECORDS_PREFIX,
  KinesisInvoiceLineStream,
  ON_FAILURE_INVOCATION_RECORDS_PREFIX,
  readInvalidRecordObject,
  readInvoiceLineData,
  REDRIVEN_PREFIX,
  S3FailedRecords,
  type InvalidRecord,
} from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { FailedRecordsTarget } from './failed-records-target';

/** Records counted under one reason. */
export interface ReasonCount {
  reason: string;
  records: number;
  /** The objects they came from (for redriven records), or that hold them (for records left). */
  objects: number;
}

export interface RedriveSummary {
  platform: string;
  bucket: string;
  dryRun: boolean;
  /** Records put back on the stream (with --dry-run: that would be), by why they had been given up on. */
  redriven: ReasonCount[];
  /** Records left in the bucket under invalid/: as they are, they can never succeed. */
  stillInvalid: ReasonCount[];
  /** Objects that could not be redriven this time, and why (the command then exits 1). */
  notRedriven: { key: string; reason: string }[];
  /** Objects of no kind this command knows, left as they are. */
  unknown: string[];
}

export interface RedriveChoices {
  /** Read and count only. */
  dryRun: boolean;
  /** Put back the lines their sink refused as invalid too: once the sink has been changed to take them. */
  includeRefused: boolean;
}

/** A record given up on, as Lambda's event holds it, and the stream it came from. */
interface GivenUpRecord {
  record: KinesisStreamRecord;
  streamName: string;
}

/** An invoice line to put back, and the stream it goes back to. */
interface LineToRedrive {
  line: InvoiceLineEvent;
  streamName: string;
}

type Outcome =
  | { kind: 'redrive'; reason: string; lines: LineToRedrive[]; invalid: InvalidRecord[]; functionName: string }
  | { kind: 'still-invalid'; reason: string }
  | { kind: 'not-redriven'; reason: string }
  | { kind: 'unknown' };

/**
 * Reads every object of the failed-records bucket but those under redriven/, puts each record that can succeed back
 * on its stream (in its object's order, partitioned by invoice number as the ingest API does), and moves each object
 * it emptied so under redriven/. Records of an invocation record that are not invoice lines are kept under invalid/ as
 * the consumers keep them; invalid records stay where they are unless they are invoice lines after all.
 */
export async function redriveFailedRecords(
  target: FailedRecordsTarget,
  options: RedriveChoices,
): Promise<RedriveSummary> {
  const { s3, bucket } = target;
  const summary: RedriveSummary = {
    platform: target.platform,
    bucket,
    dryRun: options.dryRun,
    redriven: [],
    stillInvalid: [],
    notRedriven: [],
    unknown: [],
  };
  const streams = new Map<string, KinesisInvoiceLineStream>();
  const streamNamed = (name: string) => {
    let stream = streams.get(name);
    if (stream === undefined) streams.set(name, (stream = new KinesisInvoiceLineStream(target.kinesis, name)));
    return stream;
  };
  const failedRecords = new S3FailedRecords(s3, bucket);

  for (const key of await listKeys(s3, bucket)) {
    if (key.startsWith(REDRIVEN_PREFIX)) continue;
    const body = await getText(s3, bucket, key);
    const outcome = await outcomeOf(key, body, target.kinesis, options);
    if (outcome.kind === 'unknown') summary.unknown.push(key);
    else if (outcome.kind === 'not-redriven') summary.notRedriven.push({ key, reason: outcome.reason });
    else if (outcome.kind === 'still-invalid') count(summary.stillInvalid, outcome.reason, 1);
    else {
      const problem = options.dryRun
        ? undefined
        : ((await putBack(outcome.lines, streamNamed)) ??
          (await keepInvalid(failedRecords, outcome.functionName, outcome.invalid)) ??
          (await moveUnderRedriven(s3, bucket, key, body)));
      if (problem !== undefined) {
        summary.notRedriven.push({ key, reason: problem });
        continue;
      }
      count(summary.redriven, outcome.reason, outcome.lines.length);
      for (const { problem: kind, reason } of outcome.invalid) count(summary.stillInvalid, `${kind}: ${reason}`, 1);
    }
  }
  return summary;
}

/** What to do with one object of the bucket, from its key and content. */
async function outcomeOf(
  key: string,
  body: string,
  kinesis: KinesisClient,
  { includeRefused }: RedriveChoices,
): Promise<Outcome> {
  const json = parseJson(body);
  if (key.startsWith(ON_FAILURE_INVOCATION_RECORDS_PREFIX)) {
    const invocation = readInvocationRecord(json);
    if (typeof invocation === 'string') return { kind: 'not-redriven', reason: invocation };
    const records = invocation.records ?? (await readBatchFromStream(kinesis, invocation.batch));
    if (typeof records === 'string') return { kind: 'not-redriven', reason: records };
    const lines: LineToRedrive[] = [];
    const invalid: InvalidRecord[] = [];
    for (const { record, streamName } of records) {
      const read = readInvoiceLineData(record.kinesis.data);
      if ('line' in read) lines.push({ line: read.line, streamName });
      else invalid.push({ record, problem: 'not-an-invoice-line', reason: read.reason });
    }
    // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    const functionName = invocation.functionArn.split(':')[6] ?? 'unknown-function';
    return { kind: 'redrive', reason: invocation.condition, lines, invalid, functionName };
  }
  if (key.startsWith(INVALID_RECORDS_PREFIX)) {
    const kept = readInvalidRecordObject(json);
    if (kept === undefined) return { kind: 'not-redriven', reason: 'not an invalid-record object a consumer wrote' };
    // A line its sink refused stays refused until the sink changes: only a record's own data can be checked here.
    if (kept.problem === 'refused-by-sink' && !includeRefused)
      return { kind: 'still-invalid', reason: `${kept.problem}: ${kept.reason}` };
    const read = readInvoiceLineData(kept.record.kinesis.data);
    if ('reason' in read) return { kind: 'still-invalid', reason: `${kept.problem}: ${read.reason}` };
    const streamName = streamNameOfArn(kept.record.eventSourceARN);
    if (streamName === undefined)
      return { kind: 'not-redriven', reason: `eventSourceARN ${kept.record.eventSourceARN} names no Kinesis stream` };
    return {
      kind: 'redrive',
      reason:
        kept.problem === 'refused-by-sink'
          ? 'kept as refused by its sink, put back as asked (--include-refused)'
          : 'kept as not an invoice line, an invoice line now',
      lines: [{ line: read.line, streamName }],
      invalid: [],
      functionName: kept.functionName,
    };
  }
  return { kind: 'unknown' };
}

interface KinesisBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  batchSize: number;
  streamArn: string;
}

interface InvocationRecord {
  condition: string;
  functionArn: string;
  batch: KinesisBatchInfo;
  /** From its payload (an S3 destination's record holds the batch's event), if it has one. */
  records: GivenUpRecord[] | undefined;
}

/** AWS's invocation record for a Kinesis batch (requestContext, KinesisBatchInfo and, on S3, the event), or what it lacks. */
function readInvocationRecord(json: unknown): InvocationRecord | string {
  const value = json as {
    requestContext?: { condition?: unknown; functionArn?: unknown };
    KinesisBatchInfo?: Partial<KinesisBatchInfo>;
    payload?: unknown;
  };
  const batch = value?.KinesisBatchInfo;
  const { condition, functionArn } = value?.requestContext ?? {};
  if (typeof condition !== 'string' || typeof functionArn !== 'string')
    return 'not an invocation record: no requestContext with condition and functionArn';
  const streamName = typeof batch?.streamArn === 'string' ? streamNameOfArn(batch.streamArn) : undefined;
  if (
    streamName === undefined ||
    typeof batch?.shardId !== 'string' ||
    typeof batch.startSequenceNumber !== 'string' ||
    typeof batch.endSequenceNumber !== 'string'
  )
    return 'not a Kinesis invocation record: no KinesisBatchInfo with streamArn, shardId and sequence numbers';
  // The event, as an object or as its JSON text; without it the records are read back from the stream.
  const payload = typeof value.payload === 'string' ? parseJson(value.payload) : value.payload;
  const eventRecords = (payload as { Records?: unknown } | undefined)?.Records;
  return {
    condition,
    functionArn,
    batch: batch as KinesisBatchInfo,
    records: Array.isArray(eventRecords)
      ? (eventRecords as KinesisStreamRecord[]).map((record) => ({ record, streamName }))
      : undefined,
  };
}

/**
 * The batch's records read back from the stream by sequence number (GetShardIterator AT_SEQUENCE_NUMBER), as Lambda
 * would have given them; or why they cannot be: the stream trimmed them (older than its retention) or lost the shard.
 */
async function readBatchFromStream(kinesis: KinesisClient, batch: KinesisBatchInfo): Promise<GivenUpRecord[] | string> {
  const streamName = streamNameOfArn(batch.streamArn) ?? '';
  const where = `${streamName}/${batch.shardId} ${batch.startSequenceNumber}..${batch.endSequenceNumber}`;
  const end = BigInt(batch.endSequenceNumber);
  const records: GivenUpRecord[] = [];
  try {
    let { ShardIterator: iterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: batch.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: batch.startSequenceNumber,
      }),
    );
    const region = batch.streamArn.split(':')[3] ?? '';
    // Read until the batch's last record, or until a call returns none (the shard holds no more).
    while (iterator !== undefined && lastSequenceNumber(records) !== batch.endSequenceNumber) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const fresh = (page.Records ?? []).filter((record) => BigInt(record.SequenceNumber ?? '0') <= end);
      if ((page.Records ?? []).length === 0) break;
      for (const record of fresh) {
        const sequenceNumber = record.SequenceNumber ?? '';
        records.push({
          streamName,
          record: {
            kinesis: {
              kinesisSchemaVersion: '1.0',
              partitionKey: record.PartitionKey ?? '',
              sequenceNumber,
              data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
              approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
            },
            eventSource: 'aws:kinesis',
            eventVersion: '1.0',
            eventID: `${batch.shardId}:${sequenceNumber}`,
            eventName: 'aws:kinesis:record',
            invokeIdentityArn: '',
            awsRegion: region,
            eventSourceARN: batch.streamArn,
          },
        });
      }
      if (fresh.length < (page.Records ?? []).length) break;
      iterator = page.NextShardIterator;
    }
  } catch (error) {
    return `its records could not be read back from ${where}: ${(error as Error).name}: ${(error as Error).message}`;
  }
  if (
    records[0]?.record.kinesis.sequenceNumber !== batch.startSequenceNumber ||
    lastSequenceNumber(records) !== batch.endSequenceNumber
  )
    return `the stream no longer holds all of ${where} (past its retention?): ${records.length} of ${batch.batchSize} records read`;
  return records;
}

/** Puts the lines back, stream by stream in their order; why it could not, if it could not. */
async function putBack(
  lines: readonly { line: InvoiceLineEvent; streamName: string }[],
  streamNamed: (name: string) => KinesisInvoiceLineStream,
): Promise<string | undefined> {
  const byStream = new Map<string, InvoiceLineEvent[]>();
  for (const { line, streamName } of lines) byStream.set(streamName, [...(byStream.get(streamName) ?? []), line]);
  for (const [streamName, streamLines] of byStream) {
    let notPut;
    try {
      ({ notPut } = await streamNamed(streamName).put(streamLines));
    } catch (error) {
      return `not put on ${streamName}: ${(error as Error).name}: ${(error as Error).message}`;
    }
    if (notPut.length > 0)
      return `${notPut.length} of ${streamLines.length} lines not put on ${streamName} (${notPut[0]?.errorCode}): run redrive again`;
  }
  return undefined;
}

/** Keeps the invocation record's records that are not invoice lines as the consumers keep them; why not, if not. */
async function keepInvalid(
  failedRecords: S3FailedRecords,
  functionName: string,
  invalid: readonly InvalidRecord[],
): Promise<string | undefined> {
  const notKept = await failedRecords.keepInvalid(functionName, invalid);
  return notKept.size === 0
    ? undefined
    : `${notKept.size} records that are not invoice lines ${[...notKept.values()][0]}`;
}

/** S3 has no move: the same content under redriven/, then the original deleted. */
async function moveUnderRedriven(s3: S3Client, bucket: string, key: string, body: string): Promise<undefined> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: `${REDRIVEN_PREFIX}${key}`,
      Body: body,
      ContentType: 'application/json',
    }),
  );
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  return undefined;
}

async function listKeys(s3: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key === undefined ? [] : [object.Key])));
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return keys.sort();
}

async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

function count(counts: ReasonCount[], reason: string, records: number): void {
  const entry = counts.find((candidate) => candidate.reason === reason);
  if (entry === undefined) counts.push({ reason, records, objects: 1 });
  else {
    entry.records += records;
    entry.objects += 1;
  }
}

/** `arn:aws:kinesis:<region>:<account>:stream/<name>` -> `<name>`; undefined for another ARN. */
function streamNameOfArn(arn: string): string | undefined {
  return /^arn:aws[a-zA-Z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/([a-zA-Z0-9_.-]+)$/.exec(arn)?.[1];
}

function lastSequenceNumber(records: readonly GivenUpRecord[]): string | undefined {
  return records[records.length - 1]?.record.kinesis.sequenceNumber;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
