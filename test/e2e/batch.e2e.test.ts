import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetJobsCommand, StartJobRunCommand, GetJobRunCommand, type GlueClient } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createGlueClient, createS3Client } from '@retail/adapters';
import { milliToNumber, numberToMilli, sumMilli, type InvoiceLineEvent } from '@retail/domain';
import { jobRunFiles, type LocalPlatform, type StackFile } from '@retail/local-platform';
import { withWarehouseClient } from '@retail/local-platform/warehouse';
import { waitForReconciliation } from '@retail/cli';
import { eventually } from '@retail/test-support';
import { runCli, type CliRun } from './support/run-cli';
import { startPlatformWithSample } from './support/platform-with-sample';
import { SAMPLE_FILE } from './support/sample-lines';

// The batch pipeline on the platform as `npm start` runs it: the sample comes in through the API, the stream fills
// the warehouse and the raw bucket, then `npm run batch` crawls the raw bucket and runs the Glue job's own script,
// resources/glue/load-raw-to-warehouse.py, under python3 against the same warehouse.

let platform: LocalPlatform;
let stack: StackFile;
let stateDir: string;
let lines: InvoiceLineEvent[];
let stop: (() => Promise<void>) | undefined;
let glue: GlueClient;
let s3: S3Client;
let rawBucket: string;

interface BatchSummary {
  jobRunState: string;
  partitions: number;
  objects: number;
  rows: number;
  refusedEarlier: number;
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

const landingRows = () =>
  withWarehouseClient(stack.warehouseUrl!, async (client) =>
    Number((await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM retail.invoice_line_landing')).rows[0]!.n),
  );

/** The ledger's rows of one object, by status. */
const ledgerOf = (url: string) =>
  withWarehouseClient(stack.warehouseUrl!, async (client) => {
    const { rows } = await client.query<{ status: string; n: string; problem: string | null }>(
      `SELECT status, COUNT(*) AS n, MAX(problem) AS problem FROM retail.batch_load_ledger
        WHERE object_url = $1 GROUP BY status ORDER BY status`,
      [url],
    );
    return rows.map((row) => ({ status: row.status, rows: Number(row.n), problem: row.problem }));
  });

const emptyFactTable = () =>
  withWarehouseClient(stack.warehouseUrl!, (client) => client.query('DELETE FROM retail.fact_invoice_line'));

const batch = (...args: string[]): Promise<CliRun> =>
  runCli('packages/cli/src/batch/batch.ts', ['--json', ...args], { RETAIL_STATE_DIR: stateDir });

async function runBatch(...args: string[]): Promise<BatchSummary> {
  const run = await batch(...args);
  expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as BatchSummary;
}

/** The source's revenue to the thousandth, summed exactly in thousandths, as the warehouse prints a DECIMAL(_, 3). */
const sourceRevenue = () => milliToNumber(sumMilli(lines.map((line) => numberToMilli(line.lineTotal)))).toFixed(3);
const sampleDays = () => new Set(lines.map((line) => line.invoiceDate.slice(0, 10))).size;

/** An archived object of the raw bucket written again under a new key in its folder: the same lines replayed. */
async function replayArchivedObject(name: string): Promise<{ url: string; lines: number }> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: rawBucket, Prefix: 'invoice-lines/' }));
  const original = listed.Contents!.map((object) => object.Key!).find((key) => !key.includes('/zz-'))!;
  const body = await (
    await s3.send(new GetObjectCommand({ Bucket: rawBucket, Key: original }))
  ).Body!.transformToByteArray();
  const key = `${path.posix.dirname(original)}/${name}`;
  await s3.send(new PutObjectCommand({ Bucket: rawBucket, Key: key, Body: body }));
  const count = gunzipSync(body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.trim() !== '').length;
  return { url: `s3://${rawBucket}/${key}`, lines: count };
}

async function putRawObject(name: string, body: Buffer): Promise<string> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: rawBucket, Prefix: 'invoice-lines/' }));
  const folder = path.posix.dirname(listed.Contents![0]!.Key!);
  await s3.send(new PutObjectCommand({ Bucket: rawBucket, Key: `${folder}/${name}`, Body: body }));
  return `s3://${rawBucket}/${folder}/${name}`;
}

/** Starts the job as the workflow does, waits for its log to say `stage`, then kill -9 of its python3 process. */
async function killJobRunAt(stage: RegExp): Promise<string> {
  const { Jobs = [] } = await glue.send(new GetJobsCommand({}));
  const job = Jobs[0]!.Name!;
  const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: job }));
  const files = jobRunFiles(path.join(stateDir, 'glue'), job, JobRunId!);
  const { pid } = await eventually(async () => JSON.parse(await readFile(files.process, 'utf8')) as { pid: number }, {
    timeoutMs: 30_000,
    intervalMs: 10,
  });
  await eventually(async () => expect(await readFile(files.log, 'utf8')).toMatch(stage), {
    timeoutMs: 30_000,
    intervalMs: 10,
  });
  process.kill(pid, 'SIGKILL');
  const run = await eventually(
    async () => {
      const { JobRun } = await glue.send(new GetJobRunCommand({ JobName: job, RunId: JobRunId }));
      if (JobRun?.JobRunState === 'RUNNING') throw new Error('still running');
      return JobRun!;
    },
    { timeoutMs: 30_000 },
  );
  expect(run).toMatchObject({ JobRunState: 'FAILED', ErrorMessage: "The script's process was killed by SIGKILL." });
  return JobRunId!;
}

beforeAll(async () => {
  ({ platform, lines, stateDir, stop } = await startPlatformWithSample('batch'));
  stack = platform.stack;
  // DynamoDB and the raw bucket hold the sample too: the raw bucket is what the batch reads.
  const reconciled = await waitForReconciliation({ file: SAMPLE_FILE, stack, timeoutMs: 180_000, intervalMs: 1_000 });
  expect(reconciled.differences).toEqual([]);
  glue = createGlueClient({
    region: stack.region,
    credentials: stack.credentials,
    endpoints: { glue: stack.endpoints.glue! },
    maxAttempts: 3,
  });
  s3 = createS3Client({
    region: stack.region,
    credentials: stack.credentials,
    endpoints: { s3: stack.endpoints.s3! },
    maxAttempts: 3,
  });
  rawBucket = Object.values(stack.resources.buckets).find((bucket) => bucket.name.includes('raw-events'))!.name;
}, 600_000);

afterAll(async () => {
  glue?.destroy();
  s3?.destroy();
  await stop?.();
});

describe('npm run batch on the running platform: the Glue job script under python3', () => {
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

  it('finds nothing new on a second run (the ledger), and changes nothing', async () => {
    const landing = await landingRows();
    const summary = await runBatch();
    expect(summary).toMatchObject({ jobRunState: 'SUCCEEDED', partitions: 0, objects: 0, rows: 0, problems: [] });
    expect(await landingRows()).toBe(landing);
    expect(await warehouseFigures()).toEqual(streamed);
  }, 180_000);

  it('with the fact table emptied, fills it alone (--full: every object, the ledger ignored) to the figures the stream gave', async () => {
    await emptyFactTable();
    expect((await warehouseFigures()).totals.lines).toBe('0');
    const summary = await runBatch('--full');
    expect(summary).toMatchObject({ jobRunState: 'SUCCEEDED', partitions: sampleDays(), problems: [] });
    expect(await warehouseFigures()).toEqual(streamed);
  }, 180_000);

  it('after kill -9 of the job before and during its COPY, the next run loads the new object once and every figure is as before', async () => {
    const replayed = await replayArchivedObject('zz-replayed.gz');
    const landing = await landingRows();
    // Killed before its COPY was sent: nothing of it is in the warehouse. (The script sends it a few milliseconds after
    // this line: on a busy machine the kill may come after, and the Data API then loads it, as on AWS.)
    await killJobRunAt(/to load/);
    // Killed while the Data API runs its COPY transaction, which commits or not without it; or, when the first run's
    // COPY went through, where this one finds nothing left to load.
    await killJobRunAt(/COPY of 1 objects and their ledger rows: statement| 0 to load/);
    const summary = await runBatch();
    expect(summary).toMatchObject({ jobRunState: 'SUCCEEDED', problems: [] });
    expect(await ledgerOf(replayed.url)).toEqual([{ status: 'loaded', rows: 1, problem: null }]);
    expect(await landingRows()).toBe(landing + replayed.lines);
    expect(await warehouseFigures()).toEqual(streamed);
  }, 180_000);

  it('names each bad object with its file and line, loads the good one beside them, and does not retry the bad ones', async () => {
    const good = await replayArchivedObject('zz-replayed-again.gz');
    const [valid] = lines;
    const badType = await putRawObject(
      'zz-bad-type.gz',
      gzipSync(`${JSON.stringify(valid)}\n${JSON.stringify({ ...valid, quantity: 'many' })}\n`),
    );
    const notGzip = await putRawObject('zz-not-gzip.gz', Buffer.from(`${JSON.stringify(valid)}\n`));
    const notJson = await putRawObject('zz-not-json.gz', gzipSync('this is not JSON\n'));
    const landing = await landingRows();

    const failed = await batch();
    expect(failed.code).toBe(1);
    const summary = JSON.parse(failed.stdout) as BatchSummary;
    expect(summary.jobRunState).toBe('FAILED');
    expect(summary.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^not loaded: ${badType}: line 2, column quantity: .*\\[error 1207\\]$`)),
        expect.stringMatching(new RegExp(`^not loaded: ${notGzip}: .*gzip`)),
        expect.stringMatching(new RegExp(`^not loaded: ${notJson}: line 1, .*\\[error 1224\\]$`)),
      ]),
    );
    // The run's own log names them too, as it goes.
    expect(failed.stderr).toContain(`NOT LOADED ${badType}: line 2, column quantity`);
    expect(await ledgerOf(good.url)).toEqual([{ status: 'loaded', rows: 1, problem: null }]);
    expect(await ledgerOf(notJson)).toEqual([
      { status: 'failed', rows: 1, problem: expect.stringMatching(/^line 1, .*Invalid JSON/) },
    ]);
    expect(await landingRows()).toBe(landing + good.lines);
    expect(await warehouseFigures()).toEqual(streamed);

    const again = await runBatch();
    expect(again).toMatchObject({ jobRunState: 'SUCCEEDED', objects: 0, refusedEarlier: 3, problems: [] });
    expect(await ledgerOf(badType)).toEqual([{ status: 'failed', rows: 1, problem: expect.any(String) }]);
  }, 180_000);
});
