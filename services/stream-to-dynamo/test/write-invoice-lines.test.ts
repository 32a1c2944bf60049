import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  awsEnvironmentOf,
  createDynamoDbDocumentClient,
  createInvoiceLineRecordProcessor,
  DynamoDbInvoiceStore,
  type InvoiceStore,
} from '@retail/adapters';
import {
  captureEmittedMetrics,
  EMF_TO_CONSOLE_ENVIRONMENT,
  startDynamoDbTestServer,
  useHandlerEnvironment,
  type DynamoDbTestServer,
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
    useHandlerEnvironment({ ...awsEnvironmentOf(dynamodb.settings), POWERTOOLS_LOG_LEVEL: 'SILENT' });
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

describe('writeInvoiceLines with records it cannot write', () => {
  let dynamodb: DynamoDbTestServer;
  let lines: InvoiceLineEvent[];

  beforeAll(async () => {
    dynamodb = await startDynamoDbTestServer();
    useHandlerEnvironment({ ...awsEnvironmentOf(dynamodb.settings), POWERTOOLS_LOG_LEVEL: 'SILENT' });
    lines = sampleLines(await readSampleRows());
  });
  afterAll(async () => {
    await dynamodb.stop();
  });

  const linesOf = (...invoiceNos: string[]) => lines.filter((line) => invoiceNos.includes(line.invoiceNo));

  it.each([
    ['is not JSON', () => rawPayload('{"invoiceNo": "536365", ')],
    [
      'is JSON but not an invoice line',
      () => rawPayload(JSON.stringify({ ...lines[0], lineId: undefined, quantity: 'six' }), '536365'),
    ],
  ])('reports only the record that %s and writes the rest of the batch', async (_, poisonPayload) => {
    const poison = poisonPayload();
    const tableName = await dynamodb.createInvoiceTable();
    const handler = await handlerFor(tableName);
    const good = linesOf('536365', '536366').map(invoiceLinePayload);
    const event = new KinesisShardEvents(WRITE_INVOICE_LINES).event([...good.slice(0, 4), poison, ...good.slice(4)]);

    const response = await handler(event);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[4]!.kinesis.sequenceNumber }]);
    const store = new DynamoDbInvoiceStore({ client: createDynamoDbDocumentClient(dynamodb.settings), tableName });
    expect((await store.getInvoice('536365'))?.lines).toEqual(linesOf('536365').map(asOnTheStream));
    expect((await store.getInvoice('536366'))?.summary.lineCount).toBe(linesOf('536366').length);
  });

  it("parses records exactly as the parser's own innerSchema with the base64 transformer does", async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const ours = createInvoiceLineRecordProcessor(logger);
    const powertools = new BatchProcessor(EventType.KinesisDataStreams, {
      parser,
      innerSchema: InvoiceLineEventSchema,
      transformer: 'base64',
      logger,
    });
    const gzipped = { ...invoiceLinePayload(lines[1]!), data: gzipSync(JSON.stringify(lines[1])) };
    const event = new KinesisShardEvents(WRITE_INVOICE_LINES).event([
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

  it('reports every record of a batch that holds no invoice line, without failing the invocation', async () => {
    const handler = await handlerFor(await dynamodb.createInvoiceTable());
    const event = new KinesisShardEvents(WRITE_INVOICE_LINES).event([
      rawPayload('a'),
      rawPayload('[]'),
      rawPayload('null'),
    ]);

    expect((await handler(event)).batchItemFailures).toEqual(
      event.Records.map((record) => ({ itemIdentifier: record.kinesis.sequenceNumber })),
    );
  });

  it('publishes each batch in EMF: its records and the ones it reported', async () => {
    const restoreEnvironment = useHandlerEnvironment({
      POWERTOOLS_SERVICE_NAME: WRITE_INVOICE_LINES.service,
      POWERTOOLS_METRICS_NAMESPACE: 'Retail/test',
      ...EMF_TO_CONSOLE_ENVIRONMENT,
    });
    try {
      const handler = await handlerFor(await dynamodb.createInvoiceTable());
      const invoice = linesOf('536365');
      const event = new KinesisShardEvents(WRITE_INVOICE_LINES).event([
        ...invoice.map(invoiceLinePayload),
        rawPayload('a'),
        rawPayload('null'),
      ]);
      const emitted = captureEmittedMetrics();

      expect((await handler(event)).batchItemFailures).toHaveLength(2);
      expect(emitted()).toEqual([
        {
          namespace: 'Retail/test',
          dimensions: { service: WRITE_INVOICE_LINES.service },
          values: { BatchRecords: invoice.length + 2, BatchItemFailures: 2 },
        },
      ]);
    } finally {
      jest.restoreAllMocks();
      restoreEnvironment();
    }
  });

  it('reports the records of an invoice DynamoDB would not store, and a retry of the batch completes it exactly once', async () => {
    const tableName = await dynamodb.createInvoiceTable();
    const batch = linesOf('536365', '536366', '536367');
    const event = new KinesisShardEvents(WRITE_INVOICE_LINES).event(batch.map(invoiceLinePayload));
    const throttled = leaveItemsUnprocessed(
      createDynamoDbDocumentClient(dynamodb.settings),
      (item) => item.invoiceNo === '536366',
    );
    const logger = new Logger({ logLevel: 'SILENT' });
    const writer = {
      processor: createInvoiceLineRecordProcessor(logger),
      invoiceStore: new DynamoDbInvoiceStore({
        client: throttled.sender,
        tableName,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
      }),
      logger,
    };

    const response = await writeInvoiceLineRecords(
      event,
      writer,
      lambdaContext(streamConsumerFunction(WRITE_INVOICE_LINES)),
    );

    const sequenceNumberOf = new Map(
      event.Records.map((record, index) => [batch[index]!.lineId, record.kinesis.sequenceNumber]),
    );
    expect(response.batchItemFailures).toEqual(
      linesOf('536366').map((line) => ({ itemIdentifier: sequenceNumberOf.get(line.lineId) })),
    );

    // Lambda retries from the first reported record: the batch's later records, some of them already stored.
    const firstFailed = event.Records.findIndex(
      (record) => record.kinesis.sequenceNumber === response.batchItemFailures[0]!.itemIdentifier,
    );
    const retried = await (await handlerFor(tableName))({ Records: event.Records.slice(firstFailed) });
    expect(retried.batchItemFailures).toEqual([]);

    const onceTable = await dynamodb.createInvoiceTable();
    expect(await (await handlerFor(onceTable))(event)).toEqual({ batchItemFailures: [] });
    expect(await dynamodb.scanTable(tableName)).toEqual(await dynamodb.scanTable(onceTable));
  });
});
