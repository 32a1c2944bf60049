import { Logger } from '@aws-lambda-powertools/logger';
import {
  captureEmittedMetrics,
  EMF_TO_CONSOLE_ENVIRONMENT,
  type EmittedMetrics,
  invoiceLinePayload,
  KinesisShardEvents,
  lambdaContext,
  streamConsumerFunction,
  rawPayload,
  type StreamConsumer,
  readSampleRows,
  sampleLines,
  refusePutRecordBatchEntries,
  useHandlerEnvironment,
  firehoseClientOf,
  rawEventsDeliveryStream,
  startRawEventsFirehose,
  startTestS3,
  invalidRecordObjectsOf,
  unansweredEndpoint,
  TEST_REGION,
  type RawEventsFirehose,
  type TestS3,
} from '@retail/test-support';
import {
  awsEnvironmentOf,
  invoiceLineRecordProcessorFactory,
  createS3Client,
  FirehoseRawEventSink,
  S3FailedRecords,
} from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { deliverRawEventRecords } from '../src/deliver-raw-event-records';

const HOUR = 3_600_000;
// The function of serverless.yml the stream invokes.
const DELIVER_RAW_EVENTS: StreamConsumer = {
  service: 'retail-stream-to-s3',
  functionKey: 'deliverRawEvents',
  memorySize: 256,
};

// The failed-records bucket the handler is given, in the same s3rver as the raw bucket.
const FAILED_RECORDS_BUCKET = 'retail-test-failed-records-000000000000';
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
// One shard for every event of this file: its records never share a sequence number (nor so a key in the bucket).
const shardEvents = new KinesisShardEvents(DELIVER_RAW_EVENTS);
const FUNCTION_NAME = streamConsumerFunction(DELIVER_RAW_EVENTS).functionName;

let s3: TestS3;
let raw: RawEventsFirehose;
let lines: InvoiceLineEvent[];
let handler: (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;
let restoreEnvironment: (() => void) | undefined;
const silentLogger = new Logger({ logLevel: 'SILENT' });

beforeAll(async () => {
  s3 = await startTestS3();
  await s3.createBucket(rawEventsDeliveryStream().bucketName);
  await s3.createBucket(FAILED_RECORDS_BUCKET);
  raw = await startRawEventsFirehose(s3, { bufferingOverride: { intervalInMilliseconds: HOUR } });
  // As they travel: JSON has no -0.
  lines = sampleLines(await readSampleRows()).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);
  // The deployed handler, configured as serverless.yml and the local platform configure it.
  restoreEnvironment = useHandlerEnvironment({
    ...awsEnvironmentOf({
      region: TEST_REGION,
      credentials: S3RVER_CREDENTIALS,
      endpoints: { firehose: raw.firehose.endpoint, s3: s3.endpoint },
    }),
    RAW_DELIVERY_STREAM_NAME: raw.streamName,
    FAILED_RECORDS_BUCKET_ARN: `arn:aws:s3:::${FAILED_RECORDS_BUCKET}`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_SERVICE_NAME: DELIVER_RAW_EVENTS.service,
    POWERTOOLS_METRICS_NAMESPACE: 'Retail/test',
    // The batch's EMF line to the console, where each test captures it.
    ...EMF_TO_CONSOLE_ENVIRONMENT,
  });
  ({ handler } = await import('../src/handlers/deliver-raw-events'));
});
afterAll(async () => {
  restoreEnvironment?.();
  await raw.close();
  await s3.close();
});

/** What the raw bucket holds after a flush, every object's lines together. */
async function archived(): Promise<InvoiceLineEvent[]> {
  await raw.firehose.flush();
  const delivered: unknown[] = [];
  for (const key of await s3.keys(raw.bucket)) delivered.push(...(await s3.jsonLines(raw.bucket, key)));
  return delivered as InvoiceLineEvent[];
}

/** New lines for each test: the bucket is shared, and lineIds tell the tests' lines apart. */
let nextLine = 0;
const takeLines = (count: number) => lines.slice(nextLine, (nextLine += count));
const ofLines = (ids: readonly InvoiceLineEvent[]) => async () =>
  (await archived()).filter((line) => ids.some((sent) => sent.lineId === line.lineId));

/** The invalid-record objects kept for these records, each under its own key. */
const keptFor = (records: readonly KinesisStreamRecord[]) => invalidRecordObjectsOf(s3, FAILED_RECORDS_BUCKET, records);

const context = () => lambdaContext(streamConsumerFunction(DELIVER_RAW_EVENTS));
const failedRecordsOf = (endpoint = s3.endpoint) =>
  new S3FailedRecords(
    createS3Client({ region: TEST_REGION, credentials: S3RVER_CREDENTIALS, endpoints: { s3: endpoint } }),
    FAILED_RECORDS_BUCKET,
  );
/** The function's deliverer with another raw event sink. */
const delivererWith = (rawEventSink: FirehoseRawEventSink) => ({
  newProcessor: invoiceLineRecordProcessorFactory(silentLogger),
  rawEventSink,
  failedRecords: failedRecordsOf(),
  logger: silentLogger,
});
const itemIdentifiers = (records: readonly KinesisStreamRecord[]) =>
  records.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber }));

describe('deliverRawEvents', () => {
  let emitted: () => EmittedMetrics[];
  beforeEach(() => {
    emitted = captureEmittedMetrics();
  });
  afterEach(() => jest.restoreAllMocks());

  it('archives every line of a batch in the raw bucket and reports nothing', async () => {
    const sent = takeLines(500);
    const response = await handler(
      shardEvents.event(sent.map(invoiceLinePayload)),
      lambdaContext(streamConsumerFunction(DELIVER_RAW_EVENTS)),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await ofLines(sent)()).sort(byLineId)).toEqual([...sent].sort(byLineId));
  });

  it('keeps each record that is not an invoice line in the failed-records bucket once, with its reason, reports nothing, and archives the others', async () => {
    const sent = takeLines(4);
    const { invoiceDate: _, ...withoutDate } = takeLines(1)[0]!;
    const event = shardEvents.event([
      invoiceLinePayload(sent[0]!),
      rawPayload('536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER'),
      invoiceLinePayload(sent[1]!),
      rawPayload(JSON.stringify(withoutDate), withoutDate.invoiceNo),
      invoiceLinePayload(sent[2]!),
      invoiceLinePayload(sent[3]!),
    ]);
    const response = await handler(event, context());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(emitted()).toEqual([
      {
        namespace: 'Retail/test',
        dimensions: { service: 'retail-stream-to-s3' },
        values: { BatchRecords: 6, BatchItemFailures: 0 },
      },
    ]);
    // Delivered again (Lambda delivers at least once): each record is still kept once, under its own key.
    expect(await handler(event, context())).toEqual({ batchItemFailures: [] });

    expect(await keptFor(event.Records)).toEqual([
      {
        version: '1.0',
        functionName: FUNCTION_NAME,
        problem: 'not-an-invoice-line',
        reason: expect.stringMatching(/^kinesis\.data: record data is not base64 JSON: /),
        at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        record: event.Records[1],
      },
      {
        version: '1.0',
        functionName: FUNCTION_NAME,
        problem: 'not-an-invoice-line',
        reason: 'kinesis.data.invoiceDate: Invalid input: expected string, received undefined',
        at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        record: event.Records[3],
      },
    ]);
    expect((await ofLines(sent)()).sort(byLineId)).toEqual([...sent, ...sent].sort(byLineId));
    // The line without a date never reached Firehose, so its error prefix stays empty.
    expect(await s3.keys(raw.bucket, 'errors/')).toEqual([]);
  });

  it('keeps a batch of nothing but poison record by record, reporting none, rather than failing it whole', async () => {
    const event = shardEvents.event([rawPayload('{}'), rawPayload('not json')]);
    expect(await handler(event, context())).toEqual({ batchItemFailures: [] });
    expect((await keptFor(event.Records)).map((kept) => kept.record)).toEqual(event.Records);
  });

  it('keeps a line Firehose refuses as invalid (a record over 1,000 KiB) and archives the rest', async () => {
    const sent = takeLines(3);
    const oversized = { ...takeLines(1)[0]!, description: 'HEART '.repeat(171_700) };
    const event = shardEvents.event([sent[0]!, oversized, sent[1]!, sent[2]!].map(invoiceLinePayload));

    expect(await handler(event, context())).toEqual({ batchItemFailures: [] });

    expect(await keptFor(event.Records)).toEqual([
      expect.objectContaining({
        problem: 'refused-by-sink',
        reason: expect.stringMatching(/^the raw archive refused the line: InvalidArgumentException: /),
        record: event.Records[1],
      }),
    ]);
    expect((await ofLines([...sent, oversized])()).sort(byLineId)).toEqual([...sent].sort(byLineId));
  });

  it('fails the batch for retry when Firehose does not answer: every record from the first, none kept', async () => {
    const client = firehoseClientOf(await unansweredEndpoint());
    const rawEventSink = new FirehoseRawEventSink(client, raw.streamName, {
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const event = shardEvents.event([
      ...takeLines(3).map(invoiceLinePayload),
      // After the first record not archived: kept only when its retry reaches it.
      rawPayload('not json'),
    ]);

    const response = await deliverRawEventRecords(event, delivererWith(rawEventSink), context());
    expect(response).toEqual({ batchItemFailures: itemIdentifiers(event.Records) });
    expect(await keptFor(event.Records)).toEqual([]);
  });

  it('sends again only the lines Firehose refused, so a batch with refusals once is archived whole and reports nothing', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    const sent = takeLines(20);
    const refusedOnce = new Set([sent[4]!.lineId, sent[15]!.lineId]);
    const calls = refusePutRecordBatchEntries(client, ({ lineId }, call) => call === 1 && refusedOnce.has(lineId));
    const rawEventSink = new FirehoseRawEventSink(client, raw.streamName, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });

    const response = await deliverRawEventRecords(
      shardEvents.event(sent.map(invoiceLinePayload)),
      delivererWith(rawEventSink),
      context(),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls.map((call) => call.sent.length)).toEqual([20, 2]);
    expect(calls[1]!.sent.sort()).toEqual([...refusedOnce].sort());
    expect((await ofLines(sent)()).sort(byLineId)).toEqual([...sent].sort(byLineId));
  });

  it('reports the record of a line Firehose kept refusing and every record after it, for Lambda to retry in order', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    const sent = takeLines(5);
    refusePutRecordBatchEntries(client, ({ lineId }) => lineId === sent[1]!.lineId);
    const rawEventSink = new FirehoseRawEventSink(client, raw.streamName, {
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
    const event = shardEvents.event(sent.map(invoiceLinePayload));

    const response = await deliverRawEventRecords(event, delivererWith(rawEventSink), context());
    expect(response).toEqual({ batchItemFailures: itemIdentifiers(event.Records.slice(1)) });
    expect((await ofLines(sent)()).map((line) => line.lineId).sort()).toEqual(
      sent
        .filter((_, i) => i !== 1)
        .map((line) => line.lineId)
        .sort(),
    );
  });
});

function byLineId(a: InvoiceLineEvent, b: InvoiceLineEvent): number {
  return a.lineId.localeCompare(b.lineId);
}
