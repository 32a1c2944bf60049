import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  awsEnvironmentOf,
  createDynamoDbDocumentClient,
  invoiceLineRecordProcessorFactory,
  createS3Client,
  DynamoDbInvoiceStore,
  S3FailedRecords,
  type InvoiceStore,
} from '@retail/adapters';
import {
  captureEmittedMetrics,
  EMF_TO_CONSOLE_ENVIRONMENT,
  startDynamoDbTestServer,
  startTestS3,
  invalidRecordObjectsOf,
  unansweredEndpoint,
  useHandlerEnvironment,
  type DynamoDbTestServer,
  type TestS3,
  leaveItemsUnprocessed,
  KinesisShardEvents,
  invoiceLinePayload,
  lambdaContext,
  streamConsumerFunction,
  rawPayload,
  type StreamConsumer,
  readSampleRows,
  sampleLines,
} from '@retail/test-support';
import {
  InvoiceLineEventSchema,
  formatMilli,
  numberToMilli,
  parseInvoiceDate,
  parseMilli,
  type InvoiceLineEvent,
} from '@retail/domain';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { writeInvoiceLineRecords } from '../src/write-invoice-line-records';

type Handler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

// The function of serverless.yml the stream invokes.
const WRITE_INVOICE_LINES: StreamConsumer = {
  service: 'retail-stream-to-dynamo',
  functionKey: 'writeInvoiceLines',
  memorySize: 512,
};

// The failed-records bucket every handler of this file is given (s3rver accepts only its own credentials).
const FAILED_RECORDS_BUCKET = 'retail-test-failed-records-000000000000';
const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let s3: TestS3;

beforeAll(async () => {
  s3 = await startTestS3();
  await s3.createBucket(FAILED_RECORDS_BUCKET);
});
afterAll(async () => {
  await s3.close();
});

/** The environment serverless.yml and the local platform give the function, with these emulators' endpoints. */
function handlerEnvironment(dynamodb: DynamoDbTestServer): Record<string, string> {
  return {
    ...awsEnvironmentOf({
      ...dynamodb.settings,
      credentials: S3RVER_CREDENTIALS,
      endpoints: { ...dynamodb.settings.endpoints, s3: s3.endpoint },
    }),
    FAILED_RECORDS_BUCKET_ARN: `arn:aws:s3:::${FAILED_RECORDS_BUCKET}`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
}

/** The deployed handler module, loaded afresh for a table: it reads its configuration once, when loaded. */
async function handlerFor(tableName: string): Promise<Handler> {
  useHandlerEnvironment({ INVOICE_TABLE_NAME: tableName });
  jest.resetModules();
  const { handler } = await import('../src/handlers/write-invoice-lines');
  return (event) => handler(event, lambdaContext(streamConsumerFunction(WRITE_INVOICE_LINES)));
}

async function sendAll(handler: Handler, events: readonly KinesisStreamEvent[]): Promise<string[]> {
  const failures: string[] = [];
  for (const event of events)
    failures.push(...(await handler(event)).batchItemFailures.map((failure) => failure.itemIdentifier));
  return failures;
}

interface CsvInvoice {
  invoiceNo: string;
  invoiceDate: string;
  customerId: string | null;
  lineCount: number;
  totalMilli: number;
}

/** Each invoice of the CSV, summed straight from its rows in exact thousandths. */
function invoicesOfCsv(rows: readonly Record<string, string>[]): Map<string, CsvInvoice> {
  const invoices = new Map<string, CsvInvoice>();
  for (const row of rows) {
    const invoiceNo = row.InvoiceNo!.trim();
    const date = parseInvoiceDate(row.InvoiceDate!);
    const price = parseMilli(row.UnitPrice!);
    if (!date.ok || !price.ok) throw new Error(`unreadable sample row ${JSON.stringify(row)}`);
    const invoice = invoices.get(invoiceNo) ?? {
      invoiceNo,
      invoiceDate: date.iso,
      customerId: row.CustomerID!.trim() || null,
      lineCount: 0,
      totalMilli: 0,
    };
    invoice.lineCount += 1;
    invoice.totalMilli += Number(row.Quantity) * price.milli;
    if (date.iso < invoice.invoiceDate) invoice.invoiceDate = date.iso;
    invoices.set(invoiceNo, invoice);
  }
  return invoices;
}

const byNewestFirst = (a: CsvInvoice, b: CsvInvoice) =>
  `${b.invoiceDate}#${b.invoiceNo}` < `${a.invoiceDate}#${a.invoiceNo}` ? -1 : 1;

async function allCustomerInvoices(store: InvoiceStore, customerId: string) {
  const invoices = [];
  let cursor: string | undefined;
  do {
    const page = await store.listCustomerInvoices(customerId, { limit: 4, cursor });
    invoices.push(...page.invoices);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return invoices;
}

/** A line as its Kinesis record carries it: JSON, where -0 (a free line's total in a cancellation) is 0. */
const asOnTheStream = (line: InvoiceLineEvent): InvoiceLineEvent =>
  JSON.parse(JSON.stringify(line)) as InvoiceLineEvent;

const money = (item: Record<string, AttributeValue>, field: string) => item[field]?.N;

describe('writeInvoiceLines on the online retail sample', () => {
  let dynamodb: DynamoDbTestServer;
  let tableName: string;
  let handler: Handler;
  let store: InvoiceStore;
  let rows: Record<string, string>[];
  let lines: InvoiceLineEvent[];
  let shard: KinesisShardEvents;
  let firstDelivery: KinesisStreamEvent[];
  let storedOnce: Record<string, AttributeValue>[];

  beforeAll(async () => {
    dynamodb = await startDynamoDbTestServer();
    useHandlerEnvironment(handlerEnvironment(dynamodb));
    tableName = await dynamodb.createInvoiceTable();
    handler = await handlerFor(tableName);
    store = new DynamoDbInvoiceStore({ client: createDynamoDbDocumentClient(dynamodb.settings), tableName });
    rows = await readSampleRows();
    lines = sampleLines(rows);
    shard = new KinesisShardEvents(WRITE_INVOICE_LINES);
    firstDelivery = shard.events(lines.map(invoiceLinePayload), 500);

    expect(await sendAll(handler, firstDelivery)).toEqual([]);
    storedOnce = await dynamodb.scanTable(tableName);
  });
  afterAll(async () => {
    await dynamodb.stop();
  });

  it('stores every line of every invoice, in line order, as the CSV has it', async () => {
    const csvInvoices = invoicesOfCsv(rows);
    expect(storedOnce.filter((item) => item.itemType?.S === 'invoiceLine')).toHaveLength(rows.length);
    for (const invoiceNo of csvInvoices.keys()) {
      expect((await store.getInvoice(invoiceNo))?.lines).toEqual(
        lines.filter((line) => line.invoiceNo === invoiceNo).map(asOnTheStream),
      );
    }
  });

  it("keeps the sample's exact duplicate rows as distinct lines", async () => {
    const rowsOfContent = new Map<string, number[]>();
    rows.forEach((row, index) =>
      rowsOfContent.set(JSON.stringify(row), [...(rowsOfContent.get(JSON.stringify(row)) ?? []), index]),
    );
    const duplicated = [...rowsOfContent.values()].filter((indexes) => indexes.length > 1);
    expect(duplicated.reduce((extra, indexes) => extra + indexes.length - 1, 0)).toBe(44);

    for (const indexes of duplicated) {
      const copies = indexes.map((index) => asOnTheStream(lines[index]!));
      const stored = (await store.getInvoice(copies[0]!.invoiceNo))!.lines;
      expect(stored.filter((line) => copies.some((copy) => copy.lineId === line.lineId))).toEqual(copies);
      expect(new Set(copies.map((copy) => copy.lineId)).size).toBe(copies.length);
      expect(new Set(copies.map((copy) => JSON.stringify({ ...copy, lineId: null, lineNo: null }))).size).toBe(1);
    }
  });

  it("lists each customer's invoices newest first, with the CSV's dates, line counts and exact totals", async () => {
    const byCustomer = new Map<string, CsvInvoice[]>();
    for (const invoice of invoicesOfCsv(rows).values()) {
      if (invoice.customerId !== null)
        byCustomer.set(invoice.customerId, [...(byCustomer.get(invoice.customerId) ?? []), invoice]);
    }
    expect(byCustomer.size).toBeGreaterThan(50);

    for (const [customerId, invoices] of byCustomer) {
      const listed = (await allCustomerInvoices(store, customerId)).map((summary) => ({
        invoiceNo: summary.invoiceNo,
        invoiceDate: summary.invoiceDate,
        lineCount: summary.lineCount,
        total: formatMilli(numberToMilli(summary.total)),
      }));
      const expected = [...invoices].sort(byNewestFirst).map(({ invoiceNo, invoiceDate, lineCount, totalMilli }) => ({
        invoiceNo,
        invoiceDate,
        lineCount,
        total: formatMilli(totalMilli),
      }));
      expect({ customerId, invoices: listed }).toEqual({ customerId, invoices: expected });
    }
  });

  it('stores money as DynamoDB numbers holding the exact decimals of the CSV', () => {
    const csvInvoices = invoicesOfCsv(rows);
    const lineItems = storedOnce.filter((item) => item.itemType?.S === 'invoiceLine');
    const summaries = storedOnce.filter((item) => item.itemType?.S === 'invoiceSummary');

    const lineIdOf = (item: Record<string, AttributeValue>) => item.lineId!.S!;
    const rowOfLine = new Map(lines.map((line, index) => [line.lineId, rows[index]!]));
    for (const item of lineItems) {
      const row = rowOfLine.get(lineIdOf(item))!;
      const price = parseMilli(row.UnitPrice!) as { ok: true; milli: number };
      expect([money(item, 'unitPrice'), money(item, 'lineTotal')]).toEqual([
        formatMilli(price.milli),
        formatMilli(Number(row.Quantity) * price.milli),
      ]);
    }
    expect(summaries).toHaveLength(csvInvoices.size);
    for (const item of summaries)
      expect(money(item, 'total')).toBe(formatMilli(csvInvoices.get(item.invoiceNo!.S!)!.totalMilli));
  });

  it('leaves every item as it was when the same batches are delivered again', async () => {
    expect(await sendAll(handler, firstDelivery)).toEqual([]);
    expect(await dynamodb.scanTable(tableName)).toEqual(storedOnce);
  });

  it('leaves every item as it was when the whole file is loaded again, in other batches', async () => {
    expect(await sendAll(handler, shard.events(lines.map(invoiceLinePayload), 137))).toEqual([]);
    expect(await dynamodb.scanTable(tableName)).toEqual(storedOnce);
  });

  it('leaves every item as it was when any part of the file is replayed in any order', async () => {
    await fc.assert(
      // Parts of at most 400 lines keep the suite quick; the full replays above cover the rest.
      fc.asyncProperty(
        fc.shuffledSubarray(lines, { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 500 }),
        async (replayed, batchSize) => {
          expect(await sendAll(handler, shard.events(replayed.map(invoiceLinePayload), batchSize))).toEqual([]);
          expect(await dynamodb.scanTable(tableName)).toEqual(storedOnce);
        },
      ),
      { numRuns: 3 },
    );
  });
});

/** The invalid-record objects kept for these records, each under its own key. */
const keptFor = (records: readonly KinesisStreamRecord[]) => invalidRecordObjectsOf(s3, FAILED_RECORDS_BUCKET, records);

// One shard for every event of this file: its records never share a sequence number (nor so a key in the bucket).
const shardEvents = new KinesisShardEvents(WRITE_INVOICE_LINES);
const FUNCTION_NAME = streamConsumerFunction(WRITE_INVOICE_LINES).functionName;
const context = () => lambdaContext(streamConsumerFunction(WRITE_INVOICE_LINES));
const itemIdentifiers = (records: readonly KinesisStreamRecord[]) =>
  records.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber }));

describe('writeInvoiceLines with records it cannot write', () => {
  let dynamodb: DynamoDbTestServer;
  let lines: InvoiceLineEvent[];
  const logger = new Logger({ logLevel: 'SILENT' });

  beforeAll(async () => {
    dynamodb = await startDynamoDbTestServer();
    useHandlerEnvironment(handlerEnvironment(dynamodb));
    lines = sampleLines(await readSampleRows());
  });
  afterAll(async () => {
    await dynamodb.stop();
  });

  const linesOf = (...invoiceNos: string[]) => lines.filter((line) => invoiceNos.includes(line.invoiceNo));
  const failedRecordsOf = (endpoint = s3.endpoint) =>
    new S3FailedRecords(
      createS3Client({ ...dynamodb.settings, credentials: S3RVER_CREDENTIALS, endpoints: { s3: endpoint } }),
      FAILED_RECORDS_BUCKET,
    );

  it.each([
    ['is not JSON', () => rawPayload('{"invoiceNo": "536365", '), /kinesis\.data: record data is not base64 JSON/],
    [
      'is JSON but not an invoice line',
      () => rawPayload(JSON.stringify({ ...lines[0], lineId: undefined, quantity: 'six' }), '536365'),
      /kinesis\.data\.lineId: .*kinesis\.data\.quantity: /,
    ],
  ])(
    'keeps the record that %s in the failed-records bucket once, with its reason, reports nothing, and writes the rest',
    async (_, poisonPayload, reason) => {
      const poison = poisonPayload();
      const tableName = await dynamodb.createInvoiceTable();
      const handler = await handlerFor(tableName);
      const good = linesOf('536365', '536366').map(invoiceLinePayload);
      const event = shardEvents.event([...good.slice(0, 4), poison, ...good.slice(4)]);
      const poisonRecord = event.Records[4]!;

      expect(await handler(event)).toEqual({ batchItemFailures: [] });
      // The same batch again (Lambda delivers at least once): the record is still kept once, under its own key.
      expect(await handler(event)).toEqual({ batchItemFailures: [] });

      const kept = await keptFor([poisonRecord]);
      expect(kept).toEqual([
        {
          version: '1.0',
          functionName: FUNCTION_NAME,
          problem: 'not-an-invoice-line',
          reason: expect.stringMatching(reason),
          at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          record: poisonRecord,
        },
      ]);
      const store = new DynamoDbInvoiceStore({ client: createDynamoDbDocumentClient(dynamodb.settings), tableName });
      expect((await store.getInvoice('536365'))?.lines).toEqual(linesOf('536365').map(asOnTheStream));
      expect((await store.getInvoice('536366'))?.summary.lineCount).toBe(linesOf('536366').length);
    },
  );

  it("parses records exactly as the parser's own innerSchema with the base64 transformer does", async () => {
    const ours = invoiceLineRecordProcessorFactory(logger)();
    const powertools = new BatchProcessor(EventType.KinesisDataStreams, {
      parser,
      innerSchema: InvoiceLineEventSchema,
      transformer: 'base64',
      logger,
    });
    const gzipped = { ...invoiceLinePayload(lines[1]!), data: gzipSync(JSON.stringify(lines[1])) };
    const event = shardEvents.event([
      ...linesOf('536365').map(invoiceLinePayload),
      gzipped,
      rawPayload('not json'),
      rawPayload('"a string"'),
      rawPayload('{}'),
    ]);
    const parse = async (processor: BatchProcessor) => {
      const parsed: Record<string, unknown> = {};
      const collect = async (record: KinesisStreamRecord) => {
        parsed[record.kinesis.sequenceNumber] = record.kinesis.data;
      };
      const { batchItemFailures } = await processPartialResponse(event, collect, processor, {
        throwOnFullBatchFailure: false,
      });
      return { parsed, batchItemFailures };
    };

    const result = await parse(ours);

    expect(result).toEqual(await parse(powertools));
    expect(Object.keys(result.parsed)).toHaveLength(linesOf('536365').length + 1);
    expect(result.batchItemFailures).toHaveLength(3);
  });

  it('keeps every record of a batch that holds no invoice line, and reports none, without failing the invocation', async () => {
    const handler = await handlerFor(await dynamodb.createInvoiceTable());
    const event = shardEvents.event([rawPayload('a'), rawPayload('[]'), rawPayload('null')]);

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect((await keptFor(event.Records)).map((kept) => kept.record)).toEqual(event.Records);
  });

  it('keeps a line DynamoDB refuses as invalid (an item over 400 KB), and stores and counts the rest of its invoice', async () => {
    const tableName = await dynamodb.createInvoiceTable();
    const handler = await handlerFor(tableName);
    const invoice = linesOf('536365');
    const oversized = { ...invoice[2]!, description: 'HEART '.repeat(80_000) };
    const event = shardEvents.event(
      [...invoice.slice(0, 2), oversized, ...invoice.slice(3), ...linesOf('536366')].map(invoiceLinePayload),
    );

    expect(await handler(event)).toEqual({ batchItemFailures: [] });

    expect(await keptFor(event.Records)).toEqual([
      expect.objectContaining({
        problem: 'refused-by-sink',
        reason: expect.stringMatching(/^line 536365:3 refused: BatchWriteItem failed: ValidationException: /),
        record: event.Records[2],
      }),
    ]);
    const store = new DynamoDbInvoiceStore({ client: createDynamoDbDocumentClient(dynamodb.settings), tableName });
    const stored = await store.getInvoice('536365');
    const others = invoice.filter((line) => line.lineId !== oversized.lineId).map(asOnTheStream);
    expect(stored?.lines).toEqual(others);
    // The summary counts what is stored: the refused line is in no sink of this consumer.
    expect(stored?.summary.lineCount).toBe(others.length);
    expect((await store.getInvoice('536366'))?.summary.lineCount).toBe(linesOf('536366').length);
  });

  it('publishes each batch in EMF: its records, and no failures for records it kept', async () => {
    const restoreEnvironment = useHandlerEnvironment({
      POWERTOOLS_SERVICE_NAME: WRITE_INVOICE_LINES.service,
      POWERTOOLS_METRICS_NAMESPACE: 'Retail/test',
      ...EMF_TO_CONSOLE_ENVIRONMENT,
    });
    try {
      const handler = await handlerFor(await dynamodb.createInvoiceTable());
      const invoice = linesOf('536365');
      const event = shardEvents.event([...invoice.map(invoiceLinePayload), rawPayload('a'), rawPayload('null')]);
      const emitted = captureEmittedMetrics();

      expect((await handler(event)).batchItemFailures).toEqual([]);
      expect(emitted()).toEqual([
        {
          namespace: 'Retail/test',
          dimensions: { service: WRITE_INVOICE_LINES.service },
          values: { BatchRecords: invoice.length + 2, BatchItemFailures: 0 },
        },
      ]);
    } finally {
      jest.restoreAllMocks();
      restoreEnvironment();
    }
  });

  it('fails the batch for retry when DynamoDB does not answer: every record from the first, none kept', async () => {
    const client = createDynamoDbDocumentClient({
      ...dynamodb.settings,
      endpoints: { dynamodb: await unansweredEndpoint() },
      maxAttempts: 1,
    });
    const event = shardEvents.event([
      ...linesOf('536365').map(invoiceLinePayload),
      // Not retried for nothing: a record after the first unwritten one is kept only when its retry reaches it.
      rawPayload('not json'),
    ]);
    const writer = {
      newProcessor: invoiceLineRecordProcessorFactory(logger),
      invoiceStore: new DynamoDbInvoiceStore({ client, tableName: 'retail-test-invoices', retry: QUICK_RETRY }),
      failedRecords: failedRecordsOf(),
      logger,
    };

    expect(await writeInvoiceLineRecords(event, writer, context())).toEqual({
      batchItemFailures: itemIdentifiers(event.Records),
    });
    expect(await keptFor(event.Records)).toEqual([]);
  });

  it('fails the batch for retry from an invalid record the failed-records bucket would not take', async () => {
    const tableName = await dynamodb.createInvoiceTable();
    const event = shardEvents.event([
      ...linesOf('536365').map(invoiceLinePayload),
      rawPayload('not json'),
      ...linesOf('536366').map(invoiceLinePayload),
    ]);
    const poisonAt = linesOf('536365').length;
    const writer = {
      newProcessor: invoiceLineRecordProcessorFactory(logger),
      invoiceStore: new DynamoDbInvoiceStore({ client: createDynamoDbDocumentClient(dynamodb.settings), tableName }),
      failedRecords: failedRecordsOf(await unansweredEndpoint()),
      logger,
    };

    expect(await writeInvoiceLineRecords(event, writer, context())).toEqual({
      batchItemFailures: itemIdentifiers(event.Records.slice(poisonAt)),
    });
    // The retry, with the bucket back: the record is kept, nothing is reported.
    const retry = { Records: event.Records.slice(poisonAt) };
    expect(await writeInvoiceLineRecords(retry, { ...writer, failedRecords: failedRecordsOf() }, context())).toEqual({
      batchItemFailures: [],
    });
    expect(await keptFor(event.Records)).toHaveLength(1);
  });

  it('reports the records of an invoice DynamoDB would not store from the first on, and a retry of the batch completes it exactly once', async () => {
    const tableName = await dynamodb.createInvoiceTable();
    const batch = linesOf('536365', '536366', '536367');
    const event = shardEvents.event(batch.map(invoiceLinePayload));
    const throttled = leaveItemsUnprocessed(
      createDynamoDbDocumentClient(dynamodb.settings),
      (item) => item.invoiceNo === '536366',
    );
    const writer = {
      newProcessor: invoiceLineRecordProcessorFactory(logger),
      invoiceStore: new DynamoDbInvoiceStore({ client: throttled.sender, tableName, retry: QUICK_RETRY }),
      failedRecords: failedRecordsOf(),
      logger,
    };

    const response = await writeInvoiceLineRecords(event, writer, context());

    // Every record from the first line of 536366 on: Lambda checkpoints just before it and retries from there.
    const firstFailed = batch.findIndex((line) => line.invoiceNo === '536366');
    expect(response.batchItemFailures).toEqual(itemIdentifiers(event.Records.slice(firstFailed)));

    const retried = await (await handlerFor(tableName))({ Records: event.Records.slice(firstFailed) });
    expect(retried.batchItemFailures).toEqual([]);

    const onceTable = await dynamodb.createInvoiceTable();
    expect(await (await handlerFor(onceTable))(event)).toEqual({ batchItemFailures: [] });
    expect(await dynamodb.scanTable(tableName)).toEqual(await dynamodb.scanTable(onceTable));
  });
});

// DynamoDB's throttling is answered in two calls a millisecond apart here, not in seconds.
const QUICK_RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 };
