import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { InvoiceLineEvent } from '@retail/domain';
import { startLocalPlatform, type LocalPlatform, type StackFile } from '@retail/local-platform';
import { waitForReconciliation } from '@retail/cli';
import { eventually } from '@retail/test-support';
import { runCli } from './support/run-cli';
import { SAMPLE_FILE, sampleLines } from './support/sample-lines';

// The batch pipeline on the platform as `npm start` runs it: the sample comes in through the API, the stream fills
// the warehouse and the raw bucket, then `npm run batch` crawls the raw bucket and loads it into the same warehouse.

let platform: LocalPlatform;
let stack: StackFile;
let stateDir: string;
let lines: InvoiceLineEvent[];

interface BatchSummary {
  jobRunState: string;
  partitions: number;
  rows: number;
  problems: string[];
}

/** Every figure the warehouse answers with: its totals and two of its analytic views, row for row. */
async function warehouseFigures() {
  const client = new Client({ connectionString: stack.warehouseUrl });
  await client.connect();
  try {
    const totals = await client.query(
      `SELECT COUNT(*) AS lines, COUNT(DISTINCT line_id) AS line_ids, COUNT(DISTINCT invoice_no) AS invoices,
              COUNT(DISTINCT customer_id) AS customers, CAST(SUM(line_total) AS VARCHAR) AS revenue
         FROM retail.fact_invoice_line`,
    );
    const byMonth = await client.query('SELECT * FROM retail.revenue_by_month ORDER BY month_start');
    const byCountry = await client.query('SELECT * FROM retail.revenue_by_country ORDER BY country');
    return { totals: totals.rows[0] as Record<string, string>, byMonth: byMonth.rows, byCountry: byCountry.rows };
  } finally {
    await client.end();
  }
}

async function emptyFactTable(): Promise<void> {
  const client = new Client({ connectionString: stack.warehouseUrl });
  await client.connect();
  try {
    await client.query('DELETE FROM retail.fact_invoice_line');
  } finally {
    await client.end();
  }
}

async function runBatch(...args: string[]): Promise<BatchSummary> {
  const run = await runCli('packages/cli/src/batch/batch.ts', ['--json', ...args], { RETAIL_STATE_DIR: stateDir });
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as BatchSummary;
}

/** The source's revenue to the thousandth, summed in integers as the line ids' figures are. */
const sourceRevenue = () => (lines.reduce((sum, line) => sum + Math.round(line.lineTotal * 1000), 0) / 1000).toFixed(3);
const sampleDays = () => new Set(lines.map((line) => line.invoiceDate.slice(0, 10))).size;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-batch-e2e-'));
  [platform, lines] = await Promise.all([
    startLocalPlatform({ stateDir, fresh: true, quiet: true, firehoseBufferIntervalSeconds: 2 }),
    sampleLines(),
  ]);
  stack = platform.stack;
  const loaded = await runCli('packages/cli/src/load/load.ts', [
    SAMPLE_FILE,
    '--api-url',
    stack.apiUrl,
    '--api-key',
    stack.apiKey,
  ]);
  expect(loaded.code).toBe(0);
  // DynamoDB and the raw bucket hold the sample; then the warehouse, through its own delivery stream.
  const reconciled = await waitForReconciliation({ file: SAMPLE_FILE, stack, timeoutMs: 180_000, intervalMs: 1_000 });
  expect(reconciled.differences).toEqual([]);
  await eventually(async () => expect((await warehouseFigures()).totals.lines).toBe(String(lines.length)), {
    timeoutMs: 180_000,
  });
}, 600_000);

afterAll(async () => {
  await platform?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('npm run batch on the running platform, after the stream', () => {
  let streamed: Awaited<ReturnType<typeof warehouseFigures>>;

  it('finds the warehouse filled by the stream with the sample, each line once', async () => {
    streamed = await warehouseFigures();
    expect(streamed.totals).toMatchObject({
      lines: String(lines.length),
      line_ids: String(lines.length),
      revenue: sourceRevenue(),
    });
  });

  it('loads every archived day, and changes no warehouse figure: the stream already counted those lines', async () => {
    const summary = await runBatch();
    expect(summary).toMatchObject({ jobRunState: 'SUCCEEDED', partitions: sampleDays(), problems: [] });
    expect(summary.rows).toBeGreaterThanOrEqual(lines.length); // at least once each: Firehose may deliver twice
    expect(await warehouseFigures()).toEqual(streamed);
  }, 180_000);

  it('finds nothing new on a second run, and changes nothing', async () => {
    const summary = await runBatch();
    expect(summary).toMatchObject({ jobRunState: 'SUCCEEDED', partitions: 0, rows: 0, problems: [] });
    expect(await warehouseFigures()).toEqual(streamed);
  }, 180_000);

  it('with the fact table emptied, fills it alone (--full) to the figures the stream gave', async () => {
    await emptyFactTable();
    expect((await warehouseFigures()).totals.lines).toBe('0');
    const summary = await runBatch('--full');
    expect(summary).toMatchObject({ jobRunState: 'SUCCEEDED', partitions: sampleDays(), problems: [] });
    expect(await warehouseFigures()).toEqual(streamed);
  }, 180_000);
});
