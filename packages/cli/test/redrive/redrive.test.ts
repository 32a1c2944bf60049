import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createS3Client,
  INVALID_RECORDS_PREFIX,
  ON_FAILURE_INVOCATION_RECORDS_PREFIX,
  REDRIVEN_PREFIX,
  S3FailedRecords,
} from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import { readPlatformTemplateSync, type StackFile } from '@retail/local-platform';
import {
  invalidRecordObjects,
  invoiceLinePayload,
  KinesisShardEvents,
  rawPayload,
  readSampleRows,
  sampleLines,
  startKinesisTestStream,
  startTestS3,
  TEST_ACCOUNT_ID,
  TEST_REGION,
  TEST_STAGE,
  type KinesisTestStream,
  type StreamRecord,
  type TestS3,
} from '@retail/test-support';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { CommandOutput } from '../../src/command/cli-args';
import { declaredFailedRecordsBucket } from '../../src/redrive/failed-records-target';
import { runRedriveCommand } from '../../src/redrive/redrive';

// The failed-records bucket as the test stage's platform template declares it, in the local account.
const BUCKET = declaredFailedRecordsBucket(readPlatformTemplateSync(TEST_STAGE)).replace(
  '${AWS::AccountId}',
  TEST_ACCOUNT_ID,
);
const CONSUMER = { service: 'retail-stream-to-dynamo', functionKey: 'writeInvoiceLines', memorySize: 512 };
const FUNCTION_NAME = `${CONSUMER.service}-${TEST_STAGE}-${CONSUMER.functionKey}`;
const FUNCTION_ARN = `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT_ID}:function:${FUNCTION_NAME}`;

let stream: KinesisTestStream;
let s3: TestS3;
let stateDir: string;
let lines: InvoiceLineEvent[];

beforeAll(async () => {
  [stream, s3] = await Promise.all([startKinesisTestStream(), startTestS3()]);
  stateDir = await mkdtemp(join(tmpdir(), 'redrive-test-'));
  // As they travel: JSON has no -0.
  lines = sampleLines(await readSampleRows()).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);
});

afterAll(async () => {
  await Promise.all([stream?.stop(), s3?.close(), stateDir && rm(stateDir, { recursive: true, force: true })]);
});

const linesOf = (invoiceNo: string) => lines.filter((line) => line.invoiceNo === invoiceNo);
const streamArn = () => `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT_ID}:stream/${stream.streamName}`;

/** A running local platform's stack file with these emulators and `bucket` as its failed-records bucket. */
async function stackFileFor(bucket: string): Promise<string> {
  const stack: StackFile = {
    stage: TEST_STAGE,
    region: TEST_REGION,
    accountId: TEST_ACCOUNT_ID,
    apiUrl: `http://127.0.0.1:9/${TEST_STAGE}`,
    apiKey: 'not-used-by-redrive',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    endpoints: { kinesis: stream.endpoint, dynamodb: 'http://127.0.0.1:9', s3: s3.endpoint, services: {} },
    resources: {
      streams: { InvoiceLineStream: { name: stream.streamName, arn: streamArn(), shardCount: stream.shardCount } },
      tables: {},
      buckets: { FailedRecordsBucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` } },
    },
    routes: [],
    environment: {},
    processes: {},
    stateDir,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
  const file = join(stateDir, `${bucket}.stack.json`);
  await writeFile(file, JSON.stringify(stack));
  return file;
}

/**
 * Puts records on the stream in one call, each partitioned as given, and returns them as Lambda hands them to a
 * function (the event records an invocation record's payload holds).
 */
async function putOnStream(
  payloads: readonly { partitionKey: string; data: Buffer }[],
): Promise<KinesisStreamRecord[]> {
  const output = await stream.client.send(
    new PutRecordsCommand({
      StreamName: stream.streamName,
      Records: payloads.map(({ partitionKey, data }) => ({ PartitionKey: partitionKey, Data: data })),
    }),
  );
  const arrival = Date.now() / 1000;
  return payloads.map(({ partitionKey, data }, index) => {
    const { ShardId: shardId, SequenceNumber: sequenceNumber } = output.Records![index]!;
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey,
        sequenceNumber: sequenceNumber!,
        data: data.toString('base64'),
        approximateArrivalTimestamp: arrival,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${CONSUMER.service}-${TEST_STAGE}-${TEST_REGION}-lambdaRole`,
      awsRegion: TEST_REGION,
      eventSourceARN: streamArn(),
    };
  });
}

/**
 * The invocation record Lambda writes to an S3 on-failure destination for a batch of one shard (same keys, same
 * order: requestContext, responseContext, version, timestamp, KinesisBatchInfo), with the event as `payload` or
 * without it, under AWS's key `aws/lambda/<mapping uuid>/<shard>/YYYY/MM/DD/<time>-<uuid>`.
 */
async function putInvocationRecord(
  bucket: string,
  records: readonly KinesisStreamRecord[],
  condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded',
  withPayload: boolean,
): Promise<string> {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const shardId = first.eventID.split(':')[0]!;
  const arrival = (record: KinesisStreamRecord) =>
    new Date(record.kinesis.approximateArrivalTimestamp * 1000).toISOString();
  const body = {
    requestContext: {
      requestId: '316aa6d0-8154-4b2f-b9d2-2e8a6c0f6f2c',
      functionArn: FUNCTION_ARN,
      condition,
      approximateInvokeCount: 6,
    },
    ...(condition === 'RetryAttemptsExhausted' && {
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: null },
    }),
    version: '1.0',
    timestamp: new Date().toISOString(),
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: first.kinesis.sequenceNumber,
      endSequenceNumber: last.kinesis.sequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: records.length,
      streamArn: streamArn(),
    },
    ...(withPayload && { payload: { Records: records } }),
  };
  const key = `${ON_FAILURE_INVOCATION_RECORDS_PREFIX}c53a5393-f927-5081-b48b-b6f8bea59b15/${shardId}/2026/12/07/2026-12-07T10.00.00-${randomUUID()}`;
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body) }));
  return key;
}

/** Runs the command as a user would, capturing what it prints. */
async function redrive(...argv: string[]): Promise<{ exitCode: number; out: string; err: string }> {
  const printed = { out: [] as string[], err: [] as string[] };
  const output: CommandOutput = { out: (text) => printed.out.push(text), err: (text) => printed.err.push(text) };
  const exitCode = await runRedriveCommand(argv, output);
  return { exitCode, out: printed.out.join('\n'), err: printed.err.join('\n') };
}

/** The invoice lines on the stream, by line id: how many times each is there. */
async function linesOnStream(): Promise<Map<string, number>> {
  const onStream = new Map<string, number>();
  for (const { data } of await stream.readRecords()) {
    const lineId = (data as { lineId?: unknown }).lineId;
    if (typeof lineId === 'string') onStream.set(lineId, (onStream.get(lineId) ?? 0) + 1);
  }
  return onStream;
}

function added(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map(
    [...after].flatMap(([lineId, times]) => {
      const more = times - (before.get(lineId) ?? 0);
      return more > 0 ? [[lineId, more] as const] : [];
    }),
  );
}

describe('npm run redrive on a failed-records bucket holding both kinds', () => {
  let stackFile: string;
  /** What the bucket held before the first run, and what each part is. */
  let invocationKeys: { withPayload: string; withoutPayload: string };
  let keptNowValid: string;
  let keptInvalid: string[];
  let poisonInBatch: KinesisStreamRecord;
  let redrivable: InvoiceLineEvent[];

  beforeAll(async () => {
    await s3.createBucket(BUCKET);
    stackFile = await stackFileFor(BUCKET);

    // A batch Lambda gave up on after its retries, with the event as payload: invoice 536365 and, on its shard,
    // a record that is no invoice line.
    const invoiceA = linesOf('536365');
    const batchA = await putOnStream([
      ...invoiceA.slice(0, 3).map(invoiceLinePayload),
      rawPayload('{"invoiceNo":"536365","quantity":"six"}', '536365'),
      ...invoiceA.slice(3).map(invoiceLinePayload),
    ]);
    poisonInBatch = batchA[3]!;
    // A batch whose records aged out, its invocation record without payload: read back from the stream.
    const invoiceB = linesOf('536366');
    const batchB = await putOnStream(invoiceB.map(invoiceLinePayload));
    invocationKeys = {
      withPayload: await putInvocationRecord(BUCKET, batchA, 'RetryAttemptsExhausted', true),
      withoutPayload: await putInvocationRecord(BUCKET, batchB, 'RecordAgeExceeded', false),
    };

    // What the consumers kept themselves, written by their own writer: a record no schema will read, a line its
    // sink refused, and a record kept as no invoice line that reads as one now.
    const shard = new KinesisShardEvents(CONSUMER);
    const nowValid = linesOf('536367')[0]!;
    const event = shard.event([
      rawPayload('536368,22960,JAM MAKING SET WITH JARS', '536368'),
      invoiceLinePayload({ ...linesOf('536369')[0]!, description: 'HEART '.repeat(80_000) }),
      invoiceLinePayload(nowValid),
    ]);
    const [notJson, refused, valid] = event.Records.map((record) => ({ ...record, eventSourceARN: streamArn() }));
    const writer = new S3FailedRecords(
      createS3Client({
        region: TEST_REGION,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        endpoints: { s3: s3.endpoint },
      }),
      BUCKET,
    );
    const notKept = await writer.keepInvalid(FUNCTION_NAME, [
      { record: notJson!, problem: 'not-an-invoice-line', reason: 'kinesis.data: record data is not base64 JSON' },
      {
        record: refused!,
        problem: 'refused-by-sink',
        reason:
          'line 536369:1 refused: BatchWriteItem failed: ValidationException: Item size has exceeded the maximum allowed size',
      },
      { record: valid!, problem: 'not-an-invoice-line', reason: 'kinesis.data.invoiceDate: Invalid input' },
    ]);
    expect(notKept.size).toBe(0);
    const kept = [...(await invalidRecordObjects(s3, BUCKET)).entries()];
    const keyOf = (record: KinesisStreamRecord) =>
      kept.find(([, object]) => object.record.kinesis.sequenceNumber === record.kinesis.sequenceNumber)![0];
    keptNowValid = keyOf(valid!);
    keptInvalid = [keyOf(notJson!), keyOf(refused!)];
    // Something else someone left there.
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'notes.txt', Body: 'looked at these on Monday' }));

    redrivable = [...invoiceA, ...invoiceB, nowValid];
  });

  test('--dry-run counts by reason and changes nothing', async () => {
    const keys = await s3.keys(BUCKET);
    const before = await linesOnStream();

    const { exitCode, out } = await redrive('--stack-file', stackFile, '--dry-run');

    expect(exitCode).toBe(0);
    expect(out).toContain('dry run: nothing changed');
    expect(out).toContain(`would redrive: ${redrivable.length} records`);
    expect(await s3.keys(BUCKET)).toEqual(keys);
    expect(await linesOnStream()).toEqual(before);
  });

  test('puts every recoverable record back on the stream once, moves what it redrove, leaves the invalid ones counted', async () => {
    const before = await linesOnStream();

    const { exitCode, out, err } = await redrive('--stack-file', stackFile);

    expect({ exitCode, err }).toEqual({ exitCode: 0, err: '' });
    // The lines reach the stream, and so every consumer of it, each exactly once more, partitioned by invoice.
    expect(added(before, await linesOnStream())).toEqual(new Map(redrivable.map((line) => [line.lineId, 1])));
    const redriven = (await stream.readRecords()).filter((record: StreamRecord) =>
      redrivable.some((line) => line.lineId === (record.data as InvoiceLineEvent).lineId),
    );
    for (const record of redriven) expect(record.partitionKey).toBe((record.data as InvoiceLineEvent).invoiceNo);

    const keys = await s3.keys(BUCKET);
    expect(keys).toEqual(
      expect.arrayContaining([
        `${REDRIVEN_PREFIX}${invocationKeys.withPayload}`,
        `${REDRIVEN_PREFIX}${invocationKeys.withoutPayload}`,
        `${REDRIVEN_PREFIX}${keptNowValid}`,
        ...keptInvalid,
        'notes.txt',
      ]),
    );
    expect(keys).not.toEqual(expect.arrayContaining([invocationKeys.withPayload]));
    expect(keys).not.toEqual(expect.arrayContaining([invocationKeys.withoutPayload]));
    expect(keys).not.toEqual(expect.arrayContaining([keptNowValid]));
    // The batch's record that is no invoice line is now kept as the consumers keep such a record.
    const kept = await invalidRecordObjects(s3, BUCKET);
    expect([...kept.values()].find((object) => object.record.eventID === poisonInBatch.eventID)).toMatchObject({
      functionName: FUNCTION_NAME,
      problem: 'not-an-invoice-line',
      reason: expect.stringMatching(/kinesis\.data\.lineId: /),
      record: poisonInBatch,
    });
    expect([...kept.keys()].every((key) => key.startsWith(INVALID_RECORDS_PREFIX))).toBe(true);
    expect(kept.size).toBe(3);

    expect(out).toContain(`redriven: ${redrivable.length} records`);
    expect(out).toContain(`${linesOf('536365').length} records from 1 objects: RetryAttemptsExhausted`);
    expect(out).toContain(`${linesOf('536366').length} records from 1 objects: RecordAgeExceeded`);
    expect(out).toContain('1 records from 1 objects: kept as not an invoice line, an invoice line now');
    expect(out).toContain('still invalid, left in the bucket: 3 records');
    expect(out).toMatch(/ {2}1 records: refused-by-sink: line 536369:1 refused: .*ValidationException/);
    expect(out).toMatch(/ {2}1 records: not-an-invoice-line: kinesis\.data: record data is not base64 JSON/);
    expect(out).toContain('left as they are, of no kind redrive knows: 1 objects (notes.txt)');
  });

  test('a second run redrives nothing and still counts the invalid records', async () => {
    const before = await linesOnStream();
    const keys = await s3.keys(BUCKET);

    const { exitCode, out } = await redrive('--stack-file', stackFile);

    expect(exitCode).toBe(0);
    expect(out).toContain('redriven: 0 records');
    expect(out).toContain('still invalid, left in the bucket: 3 records');
    expect(await linesOnStream()).toEqual(before);
    expect(await s3.keys(BUCKET)).toEqual(keys);
  });

  test('--include-refused puts back, once asked, the line its sink refused', async () => {
    const before = await linesOnStream();
    const refusedLine = { ...linesOf('536369')[0]!, description: 'HEART '.repeat(80_000) };

    const { exitCode, out } = await redrive('--stack-file', stackFile, '--include-refused');

    expect(exitCode).toBe(0);
    expect(added(before, await linesOnStream())).toEqual(new Map([[refusedLine.lineId, 1]]));
    expect(out).toContain(
      '1 records from 1 objects: kept as refused by its sink, put back as asked (--include-refused)',
    );
    expect(out).toContain('still invalid, left in the bucket: 2 records');
    expect(await s3.keys(BUCKET)).toContain(`${REDRIVEN_PREFIX}${keptInvalid[1]}`);
  });
});

describe('npm run redrive, when records cannot go back', () => {
  test('an invocation record whose records the stream no longer holds is left in place and exits 1', async () => {
    const bucket = `${BUCKET}-gone`;
    await s3.createBucket(bucket);
    const [record] = await putOnStream([invoiceLinePayload(linesOf('536370')[0]!)]);
    // A batch that ran past the last record the shard holds: as after the stream trimmed part of it.
    const beyond = {
      ...record!,
      kinesis: { ...record!.kinesis, sequenceNumber: `${BigInt(record!.kinesis.sequenceNumber) + 1n}` },
    };
    const key = await putInvocationRecord(bucket, [record!, beyond], 'RecordAgeExceeded', false);
    const before = await linesOnStream();

    const { exitCode, out } = await redrive('--stack-file', await stackFileFor(bucket));

    expect(exitCode).toBe(1);
    expect(out).toMatch(
      /not redriven, left in the bucket: 1 objects\n {2}aws\/lambda\/.*: the stream no longer holds all of /,
    );
    expect(await s3.keys(bucket)).toEqual([key]);
    expect(await linesOnStream()).toEqual(before);
  });

  test('a usage error exits 2 with the usage; --help exits 0', async () => {
    const usage = await redrive('--stage', 'dev', '--stack-file', 'x.json');
    expect(usage.exitCode).toBe(2);
    expect(usage.err).toContain('--stage and --stack-file name two different platforms');
    expect(usage.err).toContain('Usage: npm run redrive');
    expect((await redrive('--help')).exitCode).toBe(0);
  });
});
