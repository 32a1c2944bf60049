import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  GetCrawlerCommand,
  GetJobRunCommand,
  GetTableCommand,
  GetTablesCommand,
  type GlueClient,
  StartCrawlerCommand,
  StartJobRunCommand,
  type JobRun,
} from '@aws-sdk/client-glue';
import { createGlueClient } from '@retail/adapters';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { InvoiceLineEvent } from '@retail/domain';
import { startLocalGlue, type LocalGlue } from '../../src/glue';
import { readJsonFileIfExists } from '../../src/atomic-json-file';
import { jobRunProgressFile, type JobRunProgress } from '../../src/glue/local-glue';
import { startLocalWarehouse, withWarehouseClient, type LocalWarehouse } from '../../src/warehouse';
import { eventually, readSampleRows, sampleLines, startTestS3, type TestS3 } from '@retail/test-support';
import { glueTestDefinitions, TEST_ACCOUNT_ID, TEST_REGION, type GlueTestDefinitions } from './support/glue-template';

const dayOf = (line: InvoiceLineEvent) => line.invoiceDate.slice(0, 10);
const dayFolder = (day: string) =>
  `invoice-lines/year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}/`;
const ndjson = (lines: readonly unknown[]) => gzipSync(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));

let s3: TestS3;
let warehouse: LocalWarehouse;
let stateDir: string;
let lines: InvoiceLineEvent[];
let days: string[];
let definitions: GlueTestDefinitions;
let glue: LocalGlue;
let client: GlueClient;
let bucket: string;

const crawler = () => definitions.crawlers.find((c) => c.s3Targets.length > 0)!.name;
const warehouseCrawler = () => definitions.crawlers.find((c) => c.jdbcTargets.length > 0)!.name;
const job = () => definitions.jobs[0]!.name;
const database = () => definitions.databases[0]!.name;

async function putDay(day: string, extra = ''): Promise<void> {
  const body = Buffer.concat([
    ndjson(lines.filter((line) => dayOf(line) === day)),
    extra ? gzipSync(extra) : Buffer.alloc(0),
  ]);
  await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${dayFolder(day)}part-1.gz`, Body: body }));
}

async function crawl(name: string): Promise<void> {
  const before = (await client.send(new GetCrawlerCommand({ Name: name }))).Crawler?.LastCrawl?.StartTime?.getTime();
  await client.send(new StartCrawlerCommand({ Name: name }));
  await eventually(
    async () => {
      const { Crawler } = await client.send(new GetCrawlerCommand({ Name: name }));
      if (Crawler?.State !== 'READY' || Crawler.LastCrawl?.StartTime?.getTime() === before)
        throw new Error(`crawler ${name} is ${Crawler?.State}`);
      return Crawler;
    },
    { timeoutMs: 30_000 },
  );
}

/** StartJobRun, GetJobRun until it ends; the run and what it reported. */
async function runJob(full = false): Promise<{ run: JobRun; progress: JobRunProgress }> {
  const { JobRunId } = await client.send(
    new StartJobRunCommand({
      JobName: job(),
      Arguments: full ? { '--job-bookmark-option': 'job-bookmark-disable' } : undefined,
    }),
  );
  const run = await eventually(
    async () => {
      const { JobRun } = await client.send(new GetJobRunCommand({ JobName: job(), RunId: JobRunId }));
      if (JobRun === undefined || JobRun.JobRunState === 'RUNNING') throw new Error(`job run ${JobRunId} is running`);
      return JobRun;
    },
    { timeoutMs: 60_000 },
  );
  const progress = await readJsonFileIfExists<JobRunProgress>(
    jobRunProgressFile(path.join(stateDir, 'glue'), job(), JobRunId!),
  );
  return { run, progress: progress! };
}

const figures = () =>
  withWarehouseClient(warehouse.url, async (db) => {
    const { rows } = await db.query<{ landing: string; facts: string; revenue: string }>(
      `SELECT (SELECT COUNT(*) FROM retail.invoice_line_landing) AS landing,
              (SELECT COUNT(*) FROM retail.fact_invoice_line) AS facts,
              (SELECT CAST(SUM(line_total) AS VARCHAR) FROM retail.fact_invoice_line) AS revenue`,
    );
    return { landing: Number(rows[0]!.landing), facts: Number(rows[0]!.facts), revenue: rows[0]!.revenue };
  });

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'glue-job-test-'));
  [s3, warehouse] = await Promise.all([
    startTestS3(),
    startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined }),
  ]);
  lines = sampleLines(await readSampleRows()).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);
  days = [...new Set(lines.map(dayOf))].sort();
  definitions = glueTestDefinitions();
  bucket = definitions.rawBucket;
  await s3.createBucket(bucket);
  glue = await startLocalGlue({
    port: 0,
    stateDir: path.join(stateDir, 'glue'),
    s3Endpoint: s3.endpoint,
    region: TEST_REGION,
    accountId: TEST_ACCOUNT_ID,
    databases: definitions.databases,
    crawlers: definitions.crawlers,
    jobs: definitions.jobs,
    warehouseUrl: warehouse.url,
    log: () => undefined,
  });
  client = createGlueClient({
    region: TEST_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    endpoints: { glue: glue.endpoint },
    maxAttempts: 1,
  });
}, 180_000);
afterAll(async () => {
  client?.destroy();
  await glue?.stop();
  await warehouse?.stop();
  await s3?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('the local Glue job, configured from resources/glue.yml', () => {
  const sourceRevenue = () => {
    const milli = lines.reduce((sum, line) => sum + Math.round(line.lineTotal * 1000), 0);
    return (milli / 1000).toFixed(3);
  };

  it('loads the crawled partitions into the landing table and merges them: the fact table holds each line once', async () => {
    for (const day of days.slice(0, -1)) await putDay(day);
    await crawl(crawler());
    const { run, progress } = await runJob();
    expect(run.JobRunState).toBe('SUCCEEDED');
    const expected = lines.filter((line) => dayOf(line) !== days.at(-1));
    expect(progress).toMatchObject({
      state: 'SUCCEEDED',
      partitionsTotal: days.length - 1,
      partitionsDone: days.length - 1,
      rowsLoaded: expected.length,
      problems: [],
    });
    await expect(figures()).resolves.toMatchObject({ landing: expected.length, facts: expected.length });
  });

  it('takes only the new day on the next run, and nothing on a run after that', async () => {
    const newDay = days.at(-1)!;
    // A line that is not JSON: reported with its file and line, the rest of the object is loaded.
    await putDay(newDay, '{"lineId": broken\n');
    await crawl(crawler());
    const { progress } = await runJob();
    const ofNewDay = lines.filter((line) => dayOf(line) === newDay).length;
    expect(progress).toMatchObject({ partitionsTotal: 1, rowsLoaded: ofNewDay });
    expect(progress.problems).toEqual([
      expect.stringMatching(
        new RegExp(`^s3://${bucket}/${dayFolder(newDay)}part-1\\.gz line ${ofNewDay + 1}: .*not loaded$`),
      ),
    ]);
    const again = await runJob();
    expect(again.progress).toMatchObject({ partitionsTotal: 0, rowsLoaded: 0 });
    await expect(figures()).resolves.toEqual({ landing: lines.length, facts: lines.length, revenue: sourceRevenue() });
  });

  it('reads everything again with the bookmark disabled (--full) and changes no figure', async () => {
    const { progress } = await runJob(true);
    expect(progress).toMatchObject({ partitionsTotal: days.length, rowsLoaded: lines.length });
    await expect(figures()).resolves.toEqual({
      landing: 2 * lines.length,
      facts: lines.length,
      revenue: sourceRevenue(),
    });
  });

  it('catalogs the warehouse schema through information_schema', async () => {
    await crawl(warehouseCrawler());
    const { TableList } = await client.send(
      new GetTablesCommand({ DatabaseName: database(), Expression: 'warehouse_*' }),
    );
    expect(TableList?.map((table) => table.Name)).toEqual(
      expect.arrayContaining([
        'warehouse_retail_retail_fact_invoice_line',
        'warehouse_retail_retail_invoice_line_landing',
      ]),
    );
    const { Table } = await client.send(
      new GetTableCommand({ DatabaseName: database(), Name: 'warehouse_retail_retail_invoice_line_landing' }),
    );
    expect(Table?.StorageDescriptor?.Columns?.slice(0, 3)).toEqual([
      { Name: 'line_id', Type: 'string' },
      { Name: 'invoice_no', Type: 'string' },
      { Name: 'line_no', Type: 'int' },
    ]);
    expect(Table?.StorageDescriptor?.Columns?.find((column) => column.Name === 'unit_price')?.Type).toBe(
      'decimal(18,3)',
    );
    expect(Table?.Parameters).toMatchObject({ classification: 'redshift', connectionName: 'retail-test-warehouse' });
  });
});
