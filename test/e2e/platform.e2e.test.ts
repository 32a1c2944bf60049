import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { INVALID_RECORDS_PREFIX, readInvalidRecordObject } from '@retail/adapters';
import { InvoiceLineEventSchema, type InvoiceLineEvent } from '@retail/domain';
import { createLocalAwsClients, startLocalPlatform, type LocalPlatform, type StackFile } from '@retail/local-platform';
import { eventually, sampleAnalytics } from '@retail/test-support';
import { reconcile, waitForReconciliation, runPostmanCollection } from '@retail/cli';
import { readWholeStream } from './support/kinesis-stream-contents';
import { runCli } from './support/run-cli';
import { SAMPLE_FILE, sampleLines } from './support/sample-lines';
import {
  readAnalyticsView,
  readFactLineIds,
  readPrecomputedTablesDifferingFromLines,
} from './support/warehouse-contents';

// The whole platform as `npm start` runs it, on free ports and a state directory of its own.
let platform: LocalPlatform;
let stack: StackFile;
let stateDir: string;
let expected: InvoiceLineEvent[];

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-e2e-'));
  [platform, expected] = await Promise.all([
    startLocalPlatform({ stateDir, fresh: true, quiet: true, firehoseBufferIntervalSeconds: 2 }),
    sampleLines(),
  ]);
  stack = platform.stack;
}, 300_000);

afterAll(async () => {
  await platform?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const load = (...args: string[]) =>
  runCli('packages/cli/src/load/load.ts', [...args, '--api-url', stack.apiUrl, '--api-key', stack.apiKey]);
const reconcileSample = () =>
  waitForReconciliation({ file: SAMPLE_FILE, stack, timeoutMs: 120_000, intervalMs: 1_000 });

function post(body: string, headers: Record<string, string> = {}) {
  return fetch(`${stack.apiUrl}/invoice-lines`, {
    method: 'POST',
    body,
    headers: { 'x-api-key': stack.apiKey, 'content-type': 'application/json', ...headers },
  });
}

/** Revenue by country and by month as the dashboard's API reads them from the warehouse (the share aside). */
async function warehouseRevenue() {
  const [byCountry, byMonth] = await Promise.all([
    readAnalyticsView(stack, 'revenue-by-country'),
    readAnalyticsView(stack, 'monthly-revenue'),
  ]);
  return { byCountry: byCountry.map(({ revenueShare: _share, ...row }) => row), byMonth };
}

async function scanTable(): Promise<string[]> {
  const table = Object.values(stack.resources.tables)[0]!;
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  const { dynamodb } = clients;
  try {
    const items: string[] = [];
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await dynamodb.send(new ScanCommand({ TableName: table.name, ExclusiveStartKey }));
      for (const item of page.Items ?? [])
        items.push(JSON.stringify(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))));
      ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
    } while (ExclusiveStartKey);
    return items.sort();
  } finally {
    clients.destroy();
  }
}

describe('the local platform, end to end', () => {
  it("puts exactly the sample's accepted rows on the stream, once each, in invoice order per partition key", async () => {
    const loaded = await load(SAMPLE_FILE);
    expect(loaded.stdout).toMatch(/accepted\s+3,953/);
    expect(loaded.code).toBe(0);

    const records = await readWholeStream(stack);
    const events = records.map((record) => ({ record, event: InvoiceLineEventSchema.parse(JSON.parse(record.data)) }));
    expect(events.map(({ event }) => event.lineId).sort()).toEqual(expected.map((line) => line.lineId).sort());
    expect(new Set(events.map(({ event }) => event.lineId)).size).toBe(expected.length);
    for (const { record, event } of events) expect(record.partitionKey).toBe(event.invoiceNo);
    const lineNosByInvoice = new Map<string, number[]>();
    for (const { event } of events)
      lineNosByInvoice.set(event.invoiceNo, [...(lineNosByInvoice.get(event.invoiceNo) ?? []), event.lineNo!]);
    for (const [invoiceNo, lineNos] of lineNosByInvoice) {
      expect({ invoiceNo, lineNos }).toEqual({ invoiceNo, lineNos: lineNos.map((_, i) => i + 1) });
    }
  }, 180_000);

  it('refuses bad requests with a clear 4xx and leaves the stream as it was', async () => {
    const before = (await readWholeStream(stack)).length;
    const row = {
      InvoiceNo: '536365',
      StockCode: '85123A',
      Description: 'X',
      Quantity: 6,
      InvoiceDate: '12/1/2010 8:26',
      UnitPrice: 2.55,
      CustomerID: 17850,
      Country: 'United Kingdom',
    };
    const cases: [string, Promise<Response>, number, RegExp][] = [
      [
        'no API key',
        fetch(`${stack.apiUrl}/invoice-lines`, { method: 'POST', body: JSON.stringify(row) }),
        403,
        /Forbidden/,
      ],
      ['wrong API key', post(JSON.stringify(row), { 'x-api-key': 'not-the-key' }), 403, /Forbidden/],
      ['broken JSON', post('{"InvoiceNo": 5363'), 400, /JSON/],
      ['an empty array', post('[]'), 400, /no rows|empty/i],
      ['an impossible date', post(JSON.stringify({ ...row, InvoiceDate: '2/30/2011 8:26' })), 400, /not a real date/],
      ['an unknown column', post(JSON.stringify({ ...row, Colour: 'red' })), 400, /unknown column/],
      ['a wrong media type', post('<row/>', { 'content-type': 'application/xml' }), 415, /.+/],
      ['too many rows', post(JSON.stringify(Array.from({ length: 5_001 }, () => row))), 413, /.+/],
    ];
    for (const [what, response, status, message] of cases) {
      const answer = await response;
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect(await answer.text()).toMatch(message);
    }
    expect((await readWholeStream(stack)).length).toBe(before);
  }, 60_000);

  it('fills DynamoDB, the raw bucket and the warehouse with exactly the sample, and a second load changes no figure', async () => {
    const first = await reconcileSample();
    expect(first.differences).toEqual([]);
    expect(first.notChecked).toEqual([]); // every sink was read, the warehouse included
    expect(first.warehouse).toMatchObject({ factRows: expected.length, landedRows: expected.length });
    const sampleLineIds = expected.map((line) => line.lineId).sort();
    expect(await readFactLineIds(stack)).toEqual(sampleLineIds);
    // Revenue by country and by month, exact to the thousandth, against the figures summed from the CSV's lines.
    const fromTheSample = sampleAnalytics(expected);
    // The dashboard's precomputed tables were committed with the lines: exact the moment the lines are.
    expect(await readPrecomputedTablesDifferingFromLines(stack)).toEqual([]);
    const revenueAfterFirstLoad = await warehouseRevenue();
    expect(revenueAfterFirstLoad).toEqual({
      byCountry: fromTheSample.revenueByCountry,
      byMonth: fromTheSample.monthlyRevenue,
    });
    const tableAfterFirstLoad = await scanTable();

    const again = await load(SAMPLE_FILE);
    expect(again.code).toBe(0);
    expect((await readWholeStream(stack)).length).toBe(2 * expected.length); // the stream has both loads...
    // The warehouse has landed the second copy of every line before its figures are read again.
    await eventually(
      async () =>
        expect((await reconcile({ file: SAMPLE_FILE, stack })).warehouse?.landedRows).toBe(2 * expected.length),
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const second = await reconcileSample();
    expect(second.differences).toEqual([]); // ...every sink holds each line once
    expect(second.warehouse).toMatchObject({ factRows: expected.length, landedRows: 2 * expected.length });
    expect(await scanTable()).toEqual(tableAfterFirstLoad);
    expect(await readFactLineIds(stack)).toEqual(sampleLineIds);
    expect(await readPrecomputedTablesDifferingFromLines(stack)).toEqual([]);
    expect(await warehouseRevenue()).toEqual(revenueAfterFirstLoad);
  }, 300_000);

  it('passes the Postman collection against the loaded platform', async () => {
    const result = await runPostmanCollection({ apiUrl: stack.apiUrl, apiKey: stack.apiKey, report: false });
    expect(result.failures).toEqual([]);
    expect(result.assertions).toBeGreaterThan(20);
  }, 120_000);

  it('keeps a poison record in the failed-records bucket once per consumer, without retrying it, and processes every other record', async () => {
    const clients = createLocalAwsClients(stack.endpoints, stack.region);
    const { kinesis, s3 } = clients;
    try {
      const stream = Object.values(stack.resources.streams)[0]!;
      const poison = await kinesis.send(
        new PutRecordCommand({
          StreamName: stream.name,
          PartitionKey: '536365',
          Data: Buffer.from('{"not":"an invoice line"}'),
        }),
      );
      const failedBucket = Object.entries(stack.resources.buckets).find(([logicalId]) => /Failed/i.test(logicalId))![1]
        .name;
      const deadline = Date.now() + 120_000;
      let objects: { key: string; body: string }[] = [];
      while (Date.now() < deadline) {
        const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: failedBucket }));
        objects = await Promise.all(
          Contents.map(async ({ Key }) => ({
            key: Key!,
            body: await (await s3.send(new GetObjectCommand({ Bucket: failedBucket, Key }))).Body!.transformToString(),
          })),
        );
        if (objects.filter(({ body }) => body.includes(poison.SequenceNumber!)).length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      // Each consumer kept it itself, under invalid/, with its reason; none reported it, so no invocation record names it.
      const naming = objects.filter(({ body }) => body.includes(poison.SequenceNumber!));
      expect(naming.every(({ key }) => key.startsWith(INVALID_RECORDS_PREFIX))).toBe(true);
      const kept = naming.map(({ body }) => readInvalidRecordObject(JSON.parse(body)));
      expect(kept.map((object) => object?.functionName).sort()).toEqual([
        'retail-stream-to-dynamo-local-writeInvoiceLines',
        'retail-stream-to-s3-local-deliverRawEvents',
      ]);
      for (const object of kept)
        expect(object).toMatchObject({
          problem: 'not-an-invoice-line',
          reason: expect.stringContaining('kinesis.data'),
        });
      expect((await reconcileSample()).differences).toEqual([]);
    } finally {
      clients.destroy();
    }
  }, 240_000);
});
