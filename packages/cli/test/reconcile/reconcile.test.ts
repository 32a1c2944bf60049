import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbInvoiceStore, SUMMARY_SORT_KEY, invoicePartitionKey, lineItem, lineSortKey } from '@retail/adapters';
import {
  startDynamoDbTestServer,
  type DynamoDbTestServer,
  readSampleRows,
  sampleLines,
  TEST_ACCOUNT_ID,
  TEST_REGION,
  TEST_STAGE,
  rawEventsDeliveryStream,
  startTestS3,
  type TestS3,
} from '@retail/test-support';
import { numberToMilli, parseMilli, type InvoiceLineEvent } from '@retail/domain';
import type { StackFile } from '@retail/local-platform';
import { runReconcileCommand } from '../../src/reconcile/reconcile';
import {
  formatCount,
  formatMoney,
  formatReconcileReport,
  type ReconcileReport,
} from '../../src/reconcile/reconcile-report';
import { reconcile, waitForReconciliation } from '../../src/reconcile/reconcile-sinks';
import { targetsOfDeployedStage } from '../../src/reconcile/reconcile-targets';
import { SAMPLE_DATA_FILE } from '../../src/command/repository-paths';

let dynamodb: DynamoDbTestServer;
let s3: TestS3;
let documents: DynamoDBDocumentClient;
let stack: StackFile;
let stateDir: string;
let rows: Record<string, string>[];
let lines: InvoiceLineEvent[];
/** The raw bucket's objects as the test wrote them: key -> the lines in it. */
const rawObjects = new Map<string, InvoiceLineEvent[]>();

const BUCKET = rawEventsDeliveryStream().bucketName;

beforeAll(async () => {
  [dynamodb, s3] = await Promise.all([startDynamoDbTestServer(), startTestS3()]);
  documents = DynamoDBDocumentClient.from(dynamodb.client, { marshallOptions: { removeUndefinedValues: true } });
  rows = await readSampleRows();
  // As they travel: JSON has no -0 (a free line of negative quantity has lineTotal -0 in memory, 0 on the wire).
  lines = sampleLines(rows).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);

  const tableName = await dynamodb.createInvoiceTable();
  const unsaved = await new DynamoDbInvoiceStore({ client: documents, tableName }).saveInvoiceLines(lines);
  if (unsaved.length > 0) throw new Error(`the sample was not stored: ${JSON.stringify(unsaved.slice(0, 3))}`);

  await s3.createBucket(BUCKET);
  for (const [key, objectLines] of firehoseObjects(lines)) {
    await putRawObject(key, objectLines);
    rawObjects.set(key, objectLines);
  }

  stateDir = await mkdtemp(join(tmpdir(), 'reconcile-test-'));
  stack = localStack(tableName);
});

afterAll(async () => {
  documents?.destroy();
  await Promise.all([dynamodb?.stop(), s3?.close(), stateDir && rm(stateDir, { recursive: true, force: true })]);
});

/** As the raw events delivery stream lays them out: one folder per invoice day, at most 1,000 records an object. */
function firehoseObjects(events: readonly InvoiceLineEvent[]): Map<string, InvoiceLineEvent[]> {
  const byDay = new Map<string, InvoiceLineEvent[]>();
  for (const line of events) {
    const [year, month, day] = line.invoiceDate.slice(0, 10).split('-');
    const prefix = `invoice-lines/year=${year}/month=${month}/day=${day}/`;
    byDay.set(prefix, [...(byDay.get(prefix) ?? []), line]);
  }
  const objects = new Map<string, InvoiceLineEvent[]>();
  for (const [prefix, dayLines] of byDay) {
    for (let start = 0; start < dayLines.length; start += 1000)
      objects.set(firehoseKey(prefix), dayLines.slice(start, start + 1000));
  }
  return objects;
}

function firehoseKey(prefix: string): string {
  return `${prefix}${rawEventsDeliveryStream().name}-1-2024-05-01-10-00-00-${randomUUID()}.gz`;
}

async function putRawObject(key: string, objectLines: readonly InvoiceLineEvent[]): Promise<void> {
  const body = gzipSync(objectLines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/** The raw events delivery stream as `npm start` lists it in stack.json: into BUCKET, under its declared prefixes. */
function rawDeliveryStreamResource() {
  const { name, arn, prefix, errorOutputPrefix } = rawEventsDeliveryStream();
  return {
    name,
    arn,
    destination: 'S3' as const,
    bucket: BUCKET,
    bucketLogicalId: 'RawEventsBucket',
    prefix,
    errorOutputPrefix,
  };
}

/** The warehouse's delivery stream as stack.json lists it: reconcile must look past it for the raw archive's. */
function warehouseDeliveryStreamResource() {
  return {
    name: 'retail-test-warehouse',
    arn: `arn:aws:firehose:${TEST_REGION}:${TEST_ACCOUNT_ID}:deliverystream/retail-test-warehouse`,
    destination: 'Redshift' as const,
    bucket: 'retail-test-warehouse-staging',
    prefix: 'warehouse-staging/',
    errorOutputPrefix: 'warehouse-staging-errors/',
  };
}

/** What `npm start` would write for a platform holding this table and the raw bucket, built by hand. */
function localStack(
  tableName: string,
  buckets: StackFile['resources']['buckets'] = { RawEventsBucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` } },
): StackFile {
  return {
    stage: TEST_STAGE,
    region: TEST_REGION,
    accountId: TEST_ACCOUNT_ID,
    apiUrl: `http://127.0.0.1:9/${TEST_STAGE}`,
    apiKey: 'not-used-by-reconcile',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    endpoints: { kinesis: 'http://127.0.0.1:9', dynamodb: dynamodb.endpoint, s3: s3.endpoint, services: {} },
    resources: {
      streams: {},
      tables: {
        InvoiceTable: {
          name: tableName,
          arn: `arn:aws:dynamodb:${TEST_REGION}:${TEST_ACCOUNT_ID}:table/${tableName}`,
          globalSecondaryIndexes: ['byCustomer'],
        },
      },
      buckets,
      deliveryStreams: {
        WarehouseDeliveryStream: warehouseDeliveryStreamResource(),
        RawEventsDeliveryStream: rawDeliveryStreamResource(),
      },
    },
    routes: [],
    environment: {},
    processes: {},
    stateDir,
    pid: process.pid,
    startedAt: new Date().toISOString(),
  };
}

/** Runs `change`, then `check`, then puts the sink back as it was whatever happened. */
async function withChange(change: () => Promise<() => Promise<void>>, check: () => Promise<void>): Promise<void> {
  const undo = await change();
  try {
    await check();
  } finally {
    await undo();
  }
}

function removeLineItem(line: InvoiceLineEvent) {
  return async () => {
    const key = { pk: invoicePartitionKey(line.invoiceNo), sk: lineSortKey(line.invoiceNo, line.lineId) };
    await documents.send(new DeleteCommand({ TableName: stack.resources.tables.InvoiceTable!.name, Key: key }));
    return async () => {
      await documents.send(
        new PutCommand({ TableName: stack.resources.tables.InvoiceTable!.name, Item: lineItem(line) }),
      );
    };
  };
}

/** A line whose invoice has other lines and whose total is not 0, so removing it changes lines and revenue only. */
function lineOfALargerInvoice(): InvoiceLineEvent {
  const line = lines.find((candidate) => candidate.lineNo === 2 && numberToMilli(candidate.lineTotal) > 0);
  if (!line) throw new Error('the sample has no second line with a total');
  return line;
}

const cellOf = (report: ReconcileReport, figure: string) => report.rows.find((row) => row.figure === figure);

describe('reconcile, against dynalite and s3rver filled with the sample', () => {
  it("finds every line of the file in both sinks, with the file's own counts and exact revenue", async () => {
    const report = await reconcile({ file: SAMPLE_DATA_FILE, stack });

    const revenue = rows.reduce(
      (sum, row) => sum + Number(row.Quantity) * (parseMilli(row.UnitPrice!) as { milli: number }).milli,
      0,
    );
    const expected = {
      'invoice lines': rows.length,
      invoices: new Set(rows.map((row) => row.InvoiceNo)).size,
      customers: new Set(rows.map((row) => row.CustomerID).filter((id) => id !== '')).size,
      'revenue (sum of line totals)': revenue,
    };
    for (const [figure, value] of Object.entries(expected)) {
      expect(cellOf(report, figure)).toMatchObject({
        source: value,
        sinks: { dynamodb: { value, agrees: true }, rawS3: { value, agrees: true } },
      });
    }
    expect(cellOf(report, 'revenue of invoice summaries')).toMatchObject({
      sinks: { dynamodb: { value: revenue, agrees: true } },
    });
    expect(report.differences).toEqual([]);
    expect(report.duplicateDeliveries).toBe(0);
    expect(report.dynamodb).toMatchObject({ scannedItems: rows.length + expected.invoices });
    expect(report.rawS3).toMatchObject({ objects: rawObjects.size, records: rows.length });
    expect(formatReconcileReport(report)).toMatch(/\nall sinks agree with the source$/);
  });

  it('names the line missing from DynamoDB, its revenue, and nothing else; the command exits 1, then 0 once it is back', async () => {
    const line = lineOfALargerInvoice();
    const stackFile = join(stateDir, 'stack.json');
    await writeFile(stackFile, JSON.stringify(stack));
    const printed: string[] = [];
    const output = { out: (text: string) => printed.push(text), err: (text: string) => printed.push(text) };

    await withChange(removeLineItem(line), async () => {
      const report = await reconcile({ file: SAMPLE_DATA_FILE, stack });
      const total = numberToMilli(line.lineTotal);
      const revenue = cellOf(report, 'revenue (sum of line totals)')!.source!;
      expect(report.differences).toEqual([
        `dynamodb: invoice lines ${formatCount(rows.length - 1)}, source ${formatCount(rows.length)} (differs by -1)`,
        `dynamodb: revenue (sum of line totals) ${formatMoney(revenue - total)}, source ${formatMoney(revenue)} (differs by -${formatMoney(total)})`,
        `dynamodb: lines missing from the sink: 1 (e.g. ${line.lineId})`,
      ]);

      expect(await runReconcileCommand(['--stack-file', stackFile, SAMPLE_DATA_FILE], output)).toBe(1);
      const [all, less] = [formatCount(rows.length), formatCount(rows.length - 1)];
      expect(printed.join('\n')).toMatch(new RegExp(`\\ninvoice lines +${all} +${less} ✗ differs by -1 +${all} ✓\\n`));
      expect(printed.join('\n')).toMatch(/\n3 differences$/);

      printed.length = 0;
      expect(await runReconcileCommand(['--stack-file', stackFile, '--wait', '0', SAMPLE_DATA_FILE], output)).toBe(1);
      expect(printed[0]).toMatch(
        new RegExp(`^\\[ *\\d+\\.\\d s\\] dynamodb ${less}/${all} lines, raw s3 ${all}/${all} lines, 3 differences$`),
      );
    });

    printed.length = 0;
    expect(await runReconcileCommand(['--stack-file', stackFile, SAMPLE_DATA_FILE], output)).toBe(0);
    expect(printed.join('\n')).toMatch(/\nall sinks agree with the source$/);
  });

  it('reports the lines of a raw object that is gone as missing from raw s3 only', async () => {
    const [key, objectLines] = [...rawObjects].find(([, candidate]) => candidate.length > 1)!;
    await withChange(
      async () => {
        await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        return () => putRawObject(key, objectLines);
      },
      async () => {
        const report = await reconcile({ file: SAMPLE_DATA_FILE, stack });
        expect(report.differences.every((difference) => difference.startsWith('raw s3: '))).toBe(true);
        expect(report.differences).toContain(
          `raw s3: invoice lines ${formatCount(rows.length - objectLines.length)}, source ${formatCount(rows.length)} (differs by -${formatCount(objectLines.length)})`,
        );
        expect(report.differences).toContain(
          `raw s3: lines missing from the sink: ${formatCount(objectLines.length)} (e.g. ${objectLines
            .slice(0, 5)
            .map((l) => l.lineId)
            .join('; ')})`,
        );
        expect(cellOf(report, 'lines missing from the sink')?.sinks.dynamodb).toMatchObject({ value: 0, agrees: true });
      },
    );
  });

  it("reports an invoice whose summary total was changed, with its figures and the source's", async () => {
    const line = lineOfALargerInvoice();
    const tableName = stack.resources.tables.InvoiceTable!.name;
    const key = { pk: invoicePartitionKey(line.invoiceNo), sk: SUMMARY_SORT_KEY };
    const { Item: summary } = await documents.send(new GetCommand({ TableName: tableName, Key: key }));
    const { lineCount, total } = summary as { lineCount: number; total: number };
    const setTotal = (value: number) =>
      documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          UpdateExpression: 'SET #total = :total',
          ExpressionAttributeNames: { '#total': 'total' },
          ExpressionAttributeValues: { ':total': value },
        }),
      );

    await withChange(
      async () => {
        await setTotal(total + 1);
        return async () => void (await setTotal(total));
      },
      async () => {
        const report = await reconcile({ file: SAMPLE_DATA_FILE, stack });
        const revenue = cellOf(report, 'revenue of invoice summaries')!.source!;
        const totals = (milli: number) => `${lineCount} lines, ${formatMoney(milli)}`;
        expect(report.differences).toEqual([
          `dynamodb: revenue of invoice summaries ${formatMoney(revenue + 1000)}, source ${formatMoney(revenue)} (differs by +1)`,
          `dynamodb: invoice summaries that differ: 1 (e.g. ${line.invoiceNo}: ${totals(numberToMilli(total) + 1000)} (source: ${totals(numberToMilli(total))}))`,
        ]);
      },
    );
  });

  it('counts a raw object delivered twice as duplicate deliveries, not as a difference', async () => {
    const [key, objectLines] = [...rawObjects][0]!;
    const copy = firehoseKey(key.slice(0, key.lastIndexOf('/') + 1));
    await withChange(
      async () => {
        const original = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
        await s3.client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: copy,
            Body: Buffer.from(await original.Body!.transformToByteArray()),
          }),
        );
        return async () => void (await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: copy })));
      },
      async () => {
        const report = await reconcile({ file: SAMPLE_DATA_FILE, stack });
        expect(report.differences).toEqual([]);
        expect(report.duplicateDeliveries).toBe(objectLines.length);
        expect(report.rawS3).toMatchObject({ objects: rawObjects.size + 1, records: rows.length + objectLines.length });
        expect(cellOf(report, 'invoice lines')?.sinks.rawS3).toMatchObject({ value: rows.length, agrees: true });
        expect(formatReconcileReport(report)).toMatch(
          new RegExp(`duplicate deliveries +${formatCount(objectLines.length)}\\n`),
        );
      },
    );
  });

  it('checks only the sinks the stack file lists', async () => {
    const report = await reconcile({
      file: SAMPLE_DATA_FILE,
      stack: localStack(stack.resources.tables.InvoiceTable!.name, {}),
    });

    expect(report.rawS3).toBeUndefined();
    expect(report.notChecked).toEqual(['raw s3: the stack file lists no bucket RawEventsBucket']);
    expect(report.rows.every((row) => row.sinks.rawS3 === undefined)).toBe(true);
    expect(report.differences).toEqual([]);
    expect(formatReconcileReport(report)).toMatch(/^figure +source +dynamodb$/m);
  });

  it("finds a deployed stage's sinks by name with the clients it is given (here the emulators', as AWS_ENDPOINT_URL_* would point the SDK's own)", async () => {
    const targets = await targetsOfDeployedStage(TEST_STAGE, {
      clients: {
        region: TEST_REGION,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        endpoints: { dynamodb: dynamodb.endpoint, s3: s3.endpoint },
      },
    });
    try {
      expect(targets.invoiceTable?.tableName).toBe(`retail-${TEST_STAGE}-invoices`);
      expect(targets.rawBucket?.layout).toEqual({
        bucket: BUCKET,
        linesPrefix: 'invoice-lines/',
        errorsPrefix: 'errors/',
      });
      // The test table has a numbered name (one per test run); the stage's name would be retail-test-invoices.
      const invoiceTable = {
        client: targets.invoiceTable!.client,
        tableName: stack.resources.tables.InvoiceTable!.name,
      };
      expect(targets.warehouse?.label).toBe(`workgroup retail-${TEST_STAGE}, database retail`);
      // No Redshift to reach here: the warehouse's own reading is tested in reconcile-warehouse.test.ts.
      const report = await reconcile({
        file: SAMPLE_DATA_FILE,
        targets: { ...targets, invoiceTable, warehouse: undefined },
      });
      expect(report.platform).toBe(`stage ${TEST_STAGE} on AWS`);
      expect(report.differences).toEqual([]);
    } finally {
      targets.close();
    }
  });

  it('waits until a sink catches up, reading the sinks again and the file once', async () => {
    const restore = await removeLineItem(lineOfALargerInvoice())();
    const attempts: ReconcileReport[] = [];
    let restoring: Promise<void> | undefined;
    try {
      const report = await waitForReconciliation({
        file: SAMPLE_DATA_FILE,
        stack,
        timeoutMs: 60_000,
        intervalMs: 10,
        onAttempt: (attempt) => {
          attempts.push(attempt);
          // The sink drains after the first reading.
          restoring ??= restore();
        },
      });
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts[0]!.differences).toHaveLength(3);
      expect(report.differences).toEqual([]);
      expect(new Set(attempts.map((attempt) => attempt.source.elapsedMs)).size).toBe(1);
    } finally {
      await (restoring ?? restore());
    }
  });

  it('gives up after the timeout with the differences that remain', async () => {
    await withChange(removeLineItem(lineOfALargerInvoice()), async () => {
      const started = Date.now();
      const report = await waitForReconciliation({ file: SAMPLE_DATA_FILE, stack, timeoutMs: 1_500, intervalMs: 200 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(report.differences).toHaveLength(3);
    });
  });
});
