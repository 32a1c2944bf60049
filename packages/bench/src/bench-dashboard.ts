import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ANALYTICS_VIEW_NAMES, EVERY_COUNTRY, type AnalyticsViewName } from '@retail/api-contract';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  findFullDataFile,
  parseStrict,
  readCommandLine,
  REPOSITORY_ROOT,
  runCommand,
  SAMPLE_DATA_FILE,
  UsageError,
  wholeNumberFlag,
} from '@retail/cli';
import { bindNamedParameters } from '@retail/local-platform/redshift-data';
import { DEBIAN_CHROMIUM } from '@retail/test-support';
import { Client } from 'pg';
import { chromium } from 'playwright-core';
import { readConsumerPositions } from './bench-pipeline-sinks';
import { measureApiLoad } from './ingest-benchmarks';
import { withThrowAwayPlatform } from './throw-away-platform';
import { WarehouseCounter } from './warehouse-copy-throughput';

/**
 * `npm run bench:dashboard`: each dashboard view through its endpoint (GET /analytics/<view>: API gateway,
 * serverless-offline, the Data API adapter, the local Data API) against the same SQL straight on the warehouse with
 * pg, side by side in one run, on a fresh platform loaded with the file through the ingest API (goal: within 2x); then
 * the page in Debian's chromium until every view is drawn (goal: 1 s).
 */

const USAGE = `Usage: npm run bench:dashboard -- [file] [--rounds N] [--country NAME]

  file            a .csv or .csv.gz to load first (default: the full data set if present, else the sample)
  --rounds N      timed calls of each view on each side, after one warm-up (default 5); the median is reported
  --country NAME  also filter by this country (default: every country)`;

const GOAL_RATIO = 2;
const PAGE_GOAL_MS = 1_000;
const SQL_DIR = join(REPOSITORY_ROOT, 'resources', 'warehouse', 'analytics');

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function timed(rounds: number, call: () => Promise<unknown>): Promise<number> {
  await call();
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    await call();
    times.push(performance.now() - started);
  }
  return median(times);
}

/**
 * Until every stream consumer has committed the same position on every shard, twice a second apart: the table writer
 * (dynalite) finishes well after the warehouse, and timing the page while it still writes would time its CPU too.
 */
async function waitForConsumersAtRest(stateDir: string, streamArn: string, deadline: number): Promise<void> {
  let previous = '';
  for (;;) {
    const positions = await readConsumerPositions(stateDir, streamArn);
    const shards = positions.map(({ shards: byShard }) =>
      JSON.stringify([...byShard].sort().map(([shardId, position]) => [shardId, String(position)])),
    );
    const key = shards[0] ?? '';
    if (positions.length > 1 && shards.every((shard) => shard === key) && key === previous) return;
    previous = shards.every((shard) => shard === key) ? key : '';
    if (Date.now() > deadline) throw new Error('the stream consumers did not catch up in 30 minutes');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/**
 * The dashboard in Debian's chromium, as the browser test opens it: from navigation until the page marks every view
 * drawn (`body[data-loaded]`). Each load is a new tab (the page moves the key out of the URL, so reloading one tab
 * would not reload the page); the first is cold, the others find the script in the browser's cache.
 */
async function timeDashboardPage(url: string, rounds: number) {
  if (!existsSync(DEBIAN_CHROMIUM)) return undefined;
  const browser = await chromium.launch({ executablePath: DEBIAN_CHROMIUM });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const load = async () => {
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(url);
      await page.waitForFunction(() => document.body.dataset.loaded !== undefined, undefined, { timeout: 60_000 });
      const elapsed = performance.now() - started;
      await page.close();
      return elapsed;
    };
    const firstMs = await load();
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) times.push(await load());
    return { firstMs, medianMs: median(times) };
  } finally {
    await browser.close();
  }
}

interface BenchDashboardOptions {
  file: string | undefined;
  rounds: number;
  country: string | undefined;
  help: boolean;
}

function parseBenchDashboardArgs(argv: readonly string[]): BenchDashboardOptions {
  const { values, positionals } = parseStrict(argv, {
    rounds: { type: 'string' },
    country: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one file, got ${positionals.length}: ${positionals.join(' ')}`);
  return {
    file: positionals[0],
    rounds: wholeNumberFlag('--rounds', values.rounds, 5, 100),
    country: values.country as string | undefined,
    help: values.help === true,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const commandLine = readCommandLine(argv, parseBenchDashboardArgs, USAGE);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const { rounds, country } = commandLine.options;
  const file = commandLine.options.file ?? findFullDataFile() ?? SAMPLE_DATA_FILE;
  const log = (line: string) => console.log(line);
  return withThrowAwayPlatform(
    { stateDirPrefix: 'retail-bench-dashboard-', platform: { quiet: true }, describe: 'with every service', log },
    async ({ stack }) => {
      log(`loading ${file} through the ingest API`);
      const { accepted } = await measureApiLoad(
        { apiUrl: stack.apiUrl, apiKey: stack.apiKey },
        file,
        DEFAULT_BATCH_SIZE,
        DEFAULT_CONCURRENCY,
      );
      const deadline = Date.now() + 30 * 60_000;
      const warehouse = await WarehouseCounter.connect(stack.warehouseUrl!);
      try {
        while ((await warehouse.count()).factLines < accepted) {
          if (Date.now() > deadline) throw new Error(`the warehouse did not reach ${accepted} lines in 30 minutes`);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      } finally {
        await warehouse.close();
      }
      log(`warehouse holds ${accepted.toLocaleString('en-GB')} lines; waiting for the other stream consumers`);
      const stream = stack.resources.streams.InvoiceLineStream;
      if (!stream) throw new Error('the local platform has no InvoiceLineStream: check resources/kinesis.yml');
      await waitForConsumersAtRest(stack.stateDir, stream.arn, deadline);
      log(`every consumer has read the whole stream; ${rounds} timed rounds per view and side`);

      const filters = { from: '2010-12-01', to: '2011-12-09', ...(country ? { country } : {}) };
      const parameters = { date_from: filters.from, date_to: filters.to, country: country ?? EVERY_COUNTRY };
      const query = new URLSearchParams(filters).toString();
      const client = new Client({ connectionString: stack.warehouseUrl });
      await client.connect();
      const results: { view: AnalyticsViewName; endpointMs: number; directMs: number }[] = [];
      try {
        for (const view of ANALYTICS_VIEW_NAMES) {
          const sql = bindNamedParameters(
            await readFile(join(SQL_DIR, `${view}.sql`), 'utf8'),
            Object.entries(parameters).map(([name, value]) => ({ name, value })),
          );
          if (sql.missing.length > 0)
            throw new Error(`${view}.sql uses parameters the bench gives no value: ${sql.missing.join(', ')}`);
          const endpointMs = await timed(rounds, async () => {
            const response = await fetch(`${stack.apiUrl}/analytics/${view}?${query}`, {
              headers: { 'x-api-key': stack.apiKey },
            });
            if (!response.ok)
              throw new Error(`GET /analytics/${view} answered ${response.status}: ${await response.text()}`);
            await response.json();
          });
          const directMs = await timed(rounds, () => client.query(sql.text, sql.values));
          results.push({ view, endpointMs, directMs });
        }
      } finally {
        await client.end();
      }
      log('');
      log(
        `${'view'.padEnd(20)} ${'endpoint ms'.padStart(12)} ${'pg ms'.padStart(10)} ${'ratio'.padStart(7)}  goal <= ${GOAL_RATIO}x`,
      );
      for (const { view, endpointMs, directMs } of results) {
        const ratio = endpointMs / directMs;
        log(
          `${view.padEnd(20)} ${endpointMs.toFixed(1).padStart(12)} ${directMs.toFixed(1).padStart(10)} ${ratio.toFixed(2).padStart(7)}  ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'}`,
        );
      }
      const missed = results.filter(({ endpointMs, directMs }) => endpointMs / directMs > GOAL_RATIO);
      log('');
      log(missed.length === 0 ? `every view within ${GOAL_RATIO}x` : `${missed.length} view(s) above ${GOAL_RATIO}x`);
      const page = await timeDashboardPage(stack.dashboardUrl!, rounds);
      if (page === undefined) log(`no ${DEBIAN_CHROMIUM}: the page's interactive time was not measured`);
      else
        log(
          `the page, interactive (every view drawn) in ${page.firstMs.toFixed(0)} ms on its first load, median ${page.medianMs.toFixed(0)} ms over ${rounds} more: goal ${PAGE_GOAL_MS} ms ${page.medianMs <= PAGE_GOAL_MS ? 'met' : 'NOT met'}`,
        );
      return missed.length === 0 && (page === undefined || page.medianMs <= PAGE_GOAL_MS) ? 0 : 1;
    },
  );
}

runCommand(main);
