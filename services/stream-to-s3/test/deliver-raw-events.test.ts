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
  TEST_REGION,
  type RawEventsFirehose,
  type TestS3,
} from '@retail/test-support';
import { awsEnvironmentOf, createInvoiceLineRecordProcessor, FirehoseRawEventSink } from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { deliverRawEventRecords } from '../src/deliver-raw-event-records';

const HOUR = 3_600_000;
// The function of serverless.yml the stream invokes.
const DELIVER_RAW_EVENTS: StreamConsumer = {
  service: 'retail-stream-to-s3',
  functionKey: 'deliverRawEvents',
  memorySize: 256,
};

let s3: TestS3;
let raw: RawEventsFirehose;
let lines: InvoiceLineEvent[];
let handler: (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>;
let restoreEnvironment: (() => void) | undefined;
const silentLogger = new Logger({ logLevel: 'SILENT' });

beforeAll(async () => {
  s3 = await startTestS3();
  await s3.createBucket(rawEventsDeliveryStream().bucketName);
  raw = await startRawEventsFirehose(s3, { bufferingOverride: { intervalInMilliseconds: HOUR } });
  // As they travel: JSON has no -0.
  lines = sampleLines(await readSampleRows()).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);
  // The deployed handler, configured as serverless.yml and the local platform configure it.
  restoreEnvironment = useHandlerEnvironment({
    ...awsEnvironmentOf({
      region: TEST_REGION,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      endpoints: { firehose: raw.firehose.endpoint },
    }),
    RAW_DELIVERY_STREAM_NAME: raw.streamName,
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

describe('deliverRawEvents', () => {
  let emitted: () => EmittedMetrics[];
  beforeEach(() => {
    emitted = captureEmittedMetrics();
  });
  afterEach(() => jest.restoreAllMocks());

  it('archives every line of a batch in the raw bucket and reports nothing', async () => {
    const sent = takeLines(500);
    const response = await handler(
      new KinesisShardEvents(DELIVER_RAW_EVENTS).event(sent.map(invoiceLinePayload)),
      lambdaContext(streamConsumerFunction(DELIVER_RAW_EVENTS)),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await ofLines(sent)()).sort(byLineId)).toEqual([...sent].sort(byLineId));
  });

  it('reports each record that is not an invoice line, alone, and archives the others', async () => {
    const sent = takeLines(4);
    const { invoiceDate: _, ...withoutDate } = takeLines(1)[0]!;
    const event = new KinesisShardEvents(DELIVER_RAW_EVENTS).event([
      invoiceLinePayload(sent[0]!),
      rawPayload('536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER'),
      invoiceLinePayload(sent[1]!),
      rawPayload(JSON.stringify(withoutDate), withoutDate.invoiceNo),
      invoiceLinePayload(sent[2]!),
      invoiceLinePayload(sent[3]!),
    ]);
    const response = await handler(event, lambdaContext(streamConsumerFunction(DELIVER_RAW_EVENTS)));
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: event.Records[1]!.kinesis.sequenceNumber },
      { itemIdentifier: event.Records[3]!.kinesis.sequenceNumber },
    ]);
    expect(emitted()).toEqual([
      {
        namespace: 'Retail/test',
        dimensions: { service: 'retail-stream-to-s3' },
        values: { BatchRecords: 6, BatchItemFailures: 2 },
      },
    ]);
    expect((await ofLines(sent)()).sort(byLineId)).toEqual([...sent].sort(byLineId));
    // The line without a date never reached Firehose, so its error prefix stays empty.
    expect(await s3.keys(raw.bucket, 'errors/')).toEqual([]);
  });

  it('reports a batch of nothing but poison record by record rather than failing it whole', async () => {
    const event = new KinesisShardEvents(DELIVER_RAW_EVENTS).event([rawPayload('{}'), rawPayload('not json')]);
    const response = await handler(event, lambdaContext(streamConsumerFunction(DELIVER_RAW_EVENTS)));
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      event.Records.map((record) => record.kinesis.sequenceNumber),
    );
  });

  it('sends again only the lines Firehose refused, so a batch with refusals once is archived whole and reports nothing', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    const sent = takeLines(20);
    const refusedOnce = new Set([sent[4]!.lineId, sent[15]!.lineId]);
    const calls = refusePutRecordBatchEntries(client, ({ lineId }, call) => call === 1 && refusedOnce.has(lineId));
    const rawEventSink = new FirehoseRawEventSink(client, raw.streamName, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });

    const response = await deliverRawEventRecords(
      new KinesisShardEvents(DELIVER_RAW_EVENTS).event(sent.map(invoiceLinePayload)),
      { processor: createInvoiceLineRecordProcessor(silentLogger), rawEventSink, logger: silentLogger },
      lambdaContext(streamConsumerFunction(DELIVER_RAW_EVENTS)),
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls.map((call) => call.sent.length)).toEqual([20, 2]);
    expect(calls[1]!.sent.sort()).toEqual([...refusedOnce].sort());
    expect((await ofLines(sent)()).sort(byLineId)).toEqual([...sent].sort(byLineId));
  });

  it('reports the record of a line Firehose kept refusing, for Lambda to retry', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    const sent = takeLines(5);
    refusePutRecordBatchEntries(client, ({ lineId }) => lineId === sent[1]!.lineId);
    const rawEventSink = new FirehoseRawEventSink(client, raw.streamName, {
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
    const event = new KinesisShardEvents(DELIVER_RAW_EVENTS).event(sent.map(invoiceLinePayload));

    const response = await deliverRawEventRecords(event, {
      processor: createInvoiceLineRecordProcessor(silentLogger),
      rawEventSink,
      logger: silentLogger,
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]!.kinesis.sequenceNumber }] });
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
