import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { readInvoiceLines, type InvoiceLineEvent } from '@retail/domain';
import { createDynamoDbDocumentClient } from '../src/aws-clients';
import type { DocumentClientSender } from '../src/dynamodb-batch-calls';
import { DynamoDbInvoiceStore } from '../src/dynamodb-invoice-store';
import { InvalidCursorError, type InvoiceStore } from '../src/invoice-store';
import {
  startDynamoDbTestServer,
  useDynamoDbEmulatorEnvironment,
  type DynamoDbTestServer,
  leaveItemsUnprocessed,
  leaveKeysUnprocessed,
} from '@retail/test-support';

type Row = Record<string, string | number | null>;

/** Lines of one invoice, as the domain reads them; each row may override the defaults. */
function invoice(invoiceNo: string, rows: Row[], defaults: Row = {}): InvoiceLineEvent[] {
  const read = readInvoiceLines(
    rows.map((row, index) => ({
      InvoiceNo: invoiceNo,
      StockCode: '85123A',
      Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
      Quantity: 6,
      InvoiceDate: '12/1/2010 8:26',
      UnitPrice: '2.55',
      CustomerID: '17850',
      Country: 'United Kingdom',
      LineNo: index + 1,
      ...defaults,
      ...row,
    })),
  );
  if (!read.ok) throw new Error(JSON.stringify(read.problems));
  return read.lines;
}

const quickRetry = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

describe('DynamoDbInvoiceStore', () => {
  let dynamodb: DynamoDbTestServer;
  let tableName: string;
  let store: InvoiceStore;
  const client = () => createDynamoDbDocumentClient();

  beforeAll(async () => {
    dynamodb = await startDynamoDbTestServer();
    useDynamoDbEmulatorEnvironment(dynamodb.endpoint);
  });
  afterAll(async () => {
    await dynamodb.stop();
  });
  beforeEach(async () => {
    tableName = await dynamodb.createInvoiceTable();
    store = new DynamoDbInvoiceStore({ client: client(), tableName });
  });

  it("stores each line as one item keyed by its lineId, with the event's camelCase fields and money as exact decimals", async () => {
    const lines = invoice('536365', [
      { Quantity: 6, UnitPrice: '2.55' },
      { Quantity: 32, UnitPrice: '0.001', CustomerID: null, Description: null },
    ]);

    expect(await store.saveInvoiceLines(lines)).toEqual([]);

    const [first, second, summary] = await dynamodb.scanTable(tableName);
    expect(first).toMatchObject({
      pk: { S: 'INVOICE#536365' },
      sk: { S: 'LINE#0000000000000001' },
      itemType: { S: 'invoiceLine' },
      lineId: { S: '536365:1' },
      invoiceNo: { S: '536365' },
      lineNo: { N: '1' },
      stockCode: { S: '85123A' },
      quantity: { N: '6' },
      invoiceDate: { S: '2010-12-01T08:26:00' },
      unitPrice: { N: '2.55' },
      lineTotal: { N: '15.3' },
      customerId: { S: '17850' },
      country: { S: 'United Kingdom' },
    });
    expect(second).toMatchObject({
      sk: { S: 'LINE#0000000000000002' },
      unitPrice: { N: '0.001' },
      lineTotal: { N: '0.032' },
      description: { NULL: true },
      customerId: { NULL: true },
    });
    expect(summary).toMatchObject({
      sk: { S: 'SUMMARY' },
      itemType: { S: 'invoiceSummary' },
      lineCount: { N: '2' },
      total: { N: '15.332' },
    });
    expect((await store.getInvoice('536365'))?.lines).toEqual(lines);
  });

  it('keeps each summary equal to its stored lines, so saving lines again, split or whole, changes no item', async () => {
    const lines = invoice(
      '536367',
      Array.from({ length: 12 }, (_, i) => ({ Quantity: i + 1, UnitPrice: '0.85' })),
    );

    await store.saveInvoiceLines(lines.slice(0, 5));
    await store.saveInvoiceLines(lines.slice(5));
    const once = await dynamodb.scanTable(tableName);
    await store.saveInvoiceLines([...lines].reverse());
    await store.saveInvoiceLines(lines.slice(3, 9));

    expect(await dynamodb.scanTable(tableName)).toEqual(once);
    // 0.85 x (1 + ... + 12) = 0.85 x 78
    expect((await store.getInvoice('536367'))?.summary).toMatchObject({ lineCount: 12, total: 66.3 });
  });

  it('adds the next run of lines to a summary without reading the lines it already counts', async () => {
    const lines = invoice(
      '536372',
      Array.from({ length: 9 }, (_, i) => ({ Quantity: i + 1, UnitPrice: '1.005' })),
    );
    const commands: string[] = [];
    const real = client();
    const counting = new DynamoDbInvoiceStore({
      client: {
        send: (command) => (commands.push(command.constructor.name), real.send(command)),
      } as DocumentClientSender,
      tableName,
    });

    await counting.saveInvoiceLines(lines.slice(0, 4));
    await counting.saveInvoiceLines(lines.slice(4));

    // Lines, the summaries read, the summaries put: no Query of the lines already counted.
    expect(commands).toEqual([
      'BatchWriteCommand',
      'BatchGetCommand',
      'BatchWriteCommand',
      'BatchWriteCommand',
      'BatchGetCommand',
      'BatchWriteCommand',
    ]);
    const summary = (await dynamodb.scanTable(tableName)).find((item) => item.sk?.S === 'SUMMARY');
    // 1.005 x (1 + ... + 9) = 45.225, added in thousandths: 10.05 + 35.175
    expect(summary).toMatchObject({ lineCount: { N: '9' }, total: { N: '45.225' }, linesCountedThrough: { N: '9' } });
  });

  it('recounts from the stored lines when lines come out of order or again, ending where saving them in order ends', async () => {
    const lines = invoice(
      '536373',
      Array.from({ length: 10 }, (_, i) => ({ Quantity: i + 1 })),
    );
    await store.saveInvoiceLines(lines);
    const inOrder = await dynamodb.scanTable(tableName);
    tableName = await dynamodb.createInvoiceTable();
    store = new DynamoDbInvoiceStore({ client: client(), tableName });

    await store.saveInvoiceLines(lines.slice(6));
    expect((await store.getInvoice('536373'))?.summary.lineCount).toBe(4);
    await store.saveInvoiceLines(lines.slice(0, 3));
    await store.saveInvoiceLines(lines.slice(3, 6));
    await store.saveInvoiceLines(lines.slice(2, 5));

    expect(await dynamodb.scanTable(tableName)).toEqual(inOrder);
  });

  it("recounts when a later line is dated before the invoice, whose date (and customer list key) is its earliest line's", async () => {
    const lines = invoice('536374', [
      { InvoiceDate: '12/1/2010 8:27' },
      { InvoiceDate: '12/1/2010 8:27' },
      { InvoiceDate: '12/1/2010 8:26' },
    ]);

    await store.saveInvoiceLines(lines.slice(0, 2));
    await store.saveInvoiceLines(lines.slice(2));

    const summary = (await dynamodb.scanTable(tableName)).find((item) => item.sk?.S === 'SUMMARY');
    expect(summary).toMatchObject({
      invoiceDate: { S: '2010-12-01T08:26:00' },
      customerSk: { S: '2010-12-01T08:26:00#536374' },
      lineCount: { N: '3' },
    });
  });

  it('puts each key once when one call holds the same line twice, which DynamoDB would refuse', async () => {
    const lines = invoice('536368', [{}, { StockCode: '22960' }]);
    const twice = [lines[0]!, lines[1]!, lines[0]!];

    await expect(
      client().send(
        new BatchWriteCommand({
          RequestItems: {
            [tableName]: [lines[0]!, lines[0]!].map((line) => ({
              PutRequest: { Item: { pk: 'INVOICE#536368', sk: 'LINE#1', ...line } },
            })),
          },
        }),
      ),
    ).rejects.toThrow(/duplicates/);
    expect(await store.saveInvoiceLines(twice)).toEqual([]);
    expect((await store.getInvoice('536368'))?.summary.lineCount).toBe(2);
  });

  it('sends again exactly the items DynamoDB left unprocessed, and stores them', async () => {
    const lines = invoice(
      '536369',
      Array.from({ length: 20 }, () => ({})),
    );
    const flaky = leaveItemsUnprocessed(client(), (item, call) => call === 1 && Number(item.lineNo) % 3 === 0);

    const unsaved = await new DynamoDbInvoiceStore({
      client: flaky.sender,
      tableName,
      retry: quickRetry,
    }).saveInvoiceLines(lines);

    expect(unsaved).toEqual([]);
    const [linesCall, retryCall] = flaky.calls;
    expect(linesCall!.leftUnprocessed.map((item) => item.lineNo)).toEqual([3, 6, 9, 12, 15, 18]);
    expect(retryCall!.sent).toEqual(linesCall!.leftUnprocessed);
    expect((await store.getInvoice('536369'))?.lines).toEqual(lines);
    expect((await store.getInvoice('536369'))?.summary.lineCount).toBe(20);
  });

  it('stops after retry.maxAttempts calls and reports the invoice it could not store; the other invoices are saved', async () => {
    const stored = invoice('536370', [{}, {}]);
    const throttled = invoice('536371', [{}, {}, {}]);
    const flaky = leaveItemsUnprocessed(client(), (item) => item.invoiceNo === '536371');

    const unsaved = await new DynamoDbInvoiceStore({
      client: flaky.sender,
      tableName,
      retry: quickRetry,
    }).saveInvoiceLines([...stored, ...throttled]);

    expect(unsaved).toEqual([
      {
        invoiceNo: '536371',
        reason: expect.stringMatching(
          /^line 536371:\d not stored: DynamoDB left the item unprocessed in 3 BatchWriteItem calls$/,
        ),
      },
    ]);
    expect(flaky.calls.filter((call) => call.sent.some((item) => item.invoiceNo === '536371'))).toHaveLength(
      quickRetry.maxAttempts,
    );
    expect((await store.getInvoice('536370'))?.summary.lineCount).toBe(2);
    expect(await store.getInvoice('536371')).toBeUndefined();
  });

  it('reads again the summaries DynamoDB left unprocessed, and reports the invoice whose summary it could not read', async () => {
    await store.saveInvoiceLines(invoice('536375', [{}, {}]));
    const next = invoice('536375', [{}, {}, {}]).slice(2);
    const flaky = leaveKeysUnprocessed(client(), (_, call) => call === 1);

    expect(
      await new DynamoDbInvoiceStore({ client: flaky.sender, tableName, retry: quickRetry }).saveInvoiceLines(next),
    ).toEqual([]);
    expect(flaky.calls).toHaveLength(2);
    expect((await store.getInvoice('536375'))?.summary.lineCount).toBe(3);

    const unreadable = leaveKeysUnprocessed(client(), () => true);
    const unsaved = await new DynamoDbInvoiceStore({
      client: unreadable.sender,
      tableName,
      retry: quickRetry,
    }).saveInvoiceLines(invoice('536376', [{}]));
    expect(unsaved).toEqual([
      {
        invoiceNo: '536376',
        reason: 'summary not read: 1 of 1 keys not read: DynamoDB left the item unprocessed in 3 BatchGetItem calls',
      },
    ]);
  });

  it("returns an invoice's summary and its lines in line order, positioned lines before lines sent without a position", async () => {
    const positioned = invoice(
      '536372',
      Array.from({ length: 11 }, (_, i) => ({ StockCode: `2172${i}` })),
    );
    const unpositioned = invoice('536372', [
      { LineNo: null, StockCode: 'POST' },
      { LineNo: null, StockCode: 'POST' },
    ]);
    const shuffled = [unpositioned[1]!, ...positioned.slice(6), unpositioned[0]!, ...positioned.slice(0, 6)];

    await store.saveInvoiceLines(shuffled);
    const found = await store.getInvoice('536372');

    expect(found?.lines.slice(0, 11)).toEqual(positioned);
    expect(found?.lines.slice(11)).toEqual(expect.arrayContaining(unpositioned));
    expect(found?.lines).toHaveLength(13);
    expect(found?.summary).toEqual({
      invoiceNo: '536372',
      invoiceDate: '2010-12-01T08:26:00',
      customerId: '17850',
      country: 'United Kingdom',
      invoiceKind: 'sale',
      isCancellation: false,
      lineCount: 13,
      total: 198.9,
    });
    expect(await store.getInvoice('536999')).toBeUndefined();
  });

  it("lists a customer's invoices newest first, page by page, and no invoice without that customer", async () => {
    const dates = ['12/1/2010 8:26', '12/5/2010 10:03', '12/3/2010 9:00', '12/5/2010 10:03', '1/4/2011 11:11'];
    await store.saveInvoiceLines([
      ...dates.flatMap((date, i) => invoice(String(536380 + i), [{}, {}], { InvoiceDate: date })),
      ...invoice('C536390', [{ Quantity: -1 }], { InvoiceDate: '12/6/2010 12:00' }),
      ...invoice('536391', [{}], { CustomerID: null, InvoiceDate: '12/7/2010 12:00' }),
      ...invoice('536392', [{}], { CustomerID: '13047', InvoiceDate: '12/8/2010 12:00' }),
    ]);

    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listCustomerInvoices('17850', { limit: 2, cursor });
      expect(page.invoices.length).toBeLessThanOrEqual(2);
      listed.push(
        ...page.invoices.map(
          (summary) => `${summary.invoiceDate} ${summary.invoiceNo} ${summary.lineCount} ${summary.total}`,
        ),
      );
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(listed).toEqual([
      '2011-01-04T11:11:00 536384 2 30.6',
      '2010-12-06T12:00:00 C536390 1 -2.55',
      '2010-12-05T10:03:00 536383 2 30.6',
      '2010-12-05T10:03:00 536381 2 30.6',
      '2010-12-03T09:00:00 536382 2 30.6',
      '2010-12-01T08:26:00 536380 2 30.6',
    ]);
    expect(
      (await store.listCustomerInvoices('13047', { limit: 10 })).invoices.map((summary) => summary.invoiceNo),
    ).toEqual(['536392']);
  });

  it("refuses a cursor it did not hand out for that customer's list", async () => {
    await store.saveInvoiceLines([
      ...invoice('536393', [{}]),
      ...invoice('536394', [{}]),
      ...invoice('536395', [{}], { CustomerID: '13047' }),
    ]);
    const { nextCursor } = await store.listCustomerInvoices('17850', { limit: 1 });

    expect(nextCursor).toEqual(expect.any(String));
    await expect(store.listCustomerInvoices('13047', { limit: 1, cursor: nextCursor! })).rejects.toThrow(
      InvalidCursorError,
    );
    await expect(store.listCustomerInvoices('17850', { limit: 1, cursor: 'not-a-cursor' })).rejects.toThrow(
      InvalidCursorError,
    );
    const second = await store.listCustomerInvoices('17850', { limit: 1, cursor: nextCursor! });
    expect(second.invoices.map((summary) => summary.invoiceNo)).toEqual(['536393']);
  });
});
