import { milliToNumber, numberToMilli, sumMilli, type InvoiceLineEvent } from '@retail/domain';
import type { LocalPlatform, StackFile } from '@retail/local-platform';
import { withWarehouseClient } from '@retail/local-platform/warehouse';
import { waitForReconciliation } from '@retail/cli';
import { runCli } from './support/run-cli';
import { startPlatformWithSample } from './support/platform-with-sample';
import { SAMPLE_FILE } from './support/sample-lines';

// The batch pipeline on the platform as `npm start` runs it: the sample comes in through the API, the stream fills
// the warehouse and the raw bucket, then `npm run batch` crawls the raw bucket and loads it into the same warehouse.

let platform: LocalPlatform;
let stack: StackFile;
let stateDir: string;
let lines: InvoiceLineEvent[];
let stop: (() => Promise<void>) | undefined;

interface BatchSummary {
  jobRunState: string;
  partitions: number;
  rows: number;
  problems: string[];
}

/** Every figure the warehouse answers with: its totals and two of its analytic views, row for row. */
const warehouseFigures = () =>
  withWarehouseClient(stack.warehouseUrl!, async (client) => {
    const totals = await client.query<Record<string, string>>(
      `SELECT COUNT(*) AS lines, COUNT(DISTINCT line_id) AS line_ids, COUNT(DISTINCT invoice_no) AS invoices,
              COUNT(DISTINCT customer_id) AS customers, CAST(SUM(line_total) AS VARCHAR) AS revenue
         FROM retail.fact_invoice_line`,
    );
    const byMonth = await client.query('SELECT * FROM retail.revenue_by_month ORDER BY month_start');
    const byCountry = await client.query('SELECT * FROM retail.revenue_by_country ORDER BY country');
    return { totals: totals.rows[0]!, byMonth: byMonth.rows, byCountry: byCountry.rows };
  });

const emptyFactTable = () =>
  withWarehouseClient(stack.warehouseUrl!, (client) => client.query('DELETE FROM retail.fact_invoice_line'));

async function runBatch(...args: string[]): Promise<BatchSummary> {
  const run = await runCli('packages/cli/src/batch/batch.ts', ['--json', ...args], { RETAIL_STATE_DIR: stateDir });
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as BatchSummary;
}

/** The source's revenue to the thousandth, summed exactly in thousandths, as the warehouse prints a DECIMAL(_, 3). */
const sourceRevenue = () => milliToNumber(sumMilli(lines.map((line) => numberToMilli(line.lineTotal)))).toFixed(3);
const sampleDays = () => new Set(lines.map((line) => line.invoiceDate.slice(0, 10))).size;

beforeAll(async () => {
  ({ platform, lines, stateDir, stop } = await startPlatformWithSample('batch'));
  stack = platform.stack;
  // DynamoDB and the raw bucket hold the sample too: the raw bucket is what the batch reads.
  const reconciled = await waitForReconciliation({ file: SAMPLE_FILE, stack, timeoutMs: 180_000, intervalMs: 1_000 });
  expect(reconciled.differences).toEqual([]);
}, 600_000);

afterAll(() => stop?.());

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
