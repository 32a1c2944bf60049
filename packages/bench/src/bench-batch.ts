import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@retail/adapters';
import {
  findFullDataFile,
  parseStrict,
  readCommandLine,
  SAMPLE_DATA_FILE,
  UsageError,
  wholeNumberFlag,
} from '@retail/cli';
import type { InvoiceLineEvent } from '@retail/domain';
import { startLocalPlatform } from '@retail/local-platform';
import { describeMachine, invoiceLineRecords } from './ingest-benchmarks';
import { measureWarehouseCopy } from './warehouse-copy-throughput';

const USAGE = `Usage: npm run bench:batch -- [file] [--rows N]

The batch load against PostgreSQL's own COPY, side by side in one run: a fresh platform (\`npm start\`'s, free ports,
the merge schedule held back so that only the job writes), the file's events written straight into the raw bucket as
the raw archive holds them (gzipped NDJSON, a folder per invoice day, one object per day), then \`npm run batch\` (the
crawl, the job's script under python3, the warehouse crawl) twice: once into the empty warehouse (a rebuild), then
with --full (every object again; the merge finds every line unchanged and writes none). Then PostgreSQL's
\`COPY FROM STDIN\` of the same rows into a table like the landing table, the best of 3, and the ratio of the --full
run's rows/s to it (goal 0.7).

  file        the data set; default: shared/data/online-retail/data.csv.gz, else the sample
  --rows N    only the first N rows (default: all)`;

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const BATCH_CLI = path.join(REPO_ROOT, 'packages', 'cli', 'src', 'batch', 'batch.ts');
const GOAL = 0.7;

/** What the bench reads of `npm run batch --json` (packages/cli/src/batch/run-batch.ts BatchSummary). */
interface BatchSummary {
  objects: number;
  rows: number;
  rowsPerSecond: number;
  seconds: { crawl: number; job: number };
  problems: string[];
  log?: string;
}

interface BenchBatchOptions {
  file: string | undefined;
  rows: number;
  help: boolean;
}

function parseBenchBatchArgs(argv: readonly string[]): BenchBatchOptions {
  const { values, positionals } = parseStrict(argv, {
    rows: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one file, got ${positionals.length}: ${positionals.join(' ')}`);
  return {
    file: positionals[0],
    rows: wholeNumberFlag('--rows', values.rows, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    help: values.help === true,
  };
}

/** The events of each invoice day as the raw archive's folders hold them (the delivery stream's JQ partitioning). */
function archiveObjects(events: readonly InvoiceLineEvent[]): Map<string, Buffer> {
  const byDay = new Map<string, string[]>();
  for (const event of events) {
    const day = event.invoiceDate.slice(0, 10);
    const folder = `invoice-lines/year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}/`;
    const lines = byDay.get(folder) ?? [];
    lines.push(`${JSON.stringify(event)}\n`);
    byDay.set(folder, lines);
  }
  return new Map([...byDay].map(([folder, lines]) => [`${folder}bench-archive.gz`, gzipSync(lines.join(''))]));
}

/** `npm run batch` as a user runs it, against the platform in `stateDir`; its JSON summary. */
function runBatchCommand(stateDir: string, args: readonly string[]): Promise<BatchSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BATCH_CLI, '--json', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, RETAIL_STATE_DIR: stateDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`npm run batch ${args.join(' ')} exited ${code}: ${stdout}${stderr}`));
      resolve(JSON.parse(stdout) as BatchSummary);
    });
  });
}

/** The seconds the job's SUMMARY line gives: its COPY transactions, everything before the merge, the merge, all. */
async function scriptSeconds(runLog: string): Promise<Record<string, number>> {
  const line = (await readFile(runLog, 'utf8')).split('\n').find((text) => text.startsWith('SUMMARY '));
  return line === undefined
    ? {}
    : (JSON.parse(line.slice('SUMMARY '.length)) as { seconds: Record<string, number> }).seconds;
}

const rate = (perSecond: number) => `${Math.round(perSecond).toLocaleString('en-GB')} rows/s`;

async function main(argv: readonly string[]): Promise<number> {
  const commandLine = readCommandLine(argv, parseBenchBatchArgs, USAGE);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const file = commandLine.options.file ?? findFullDataFile() ?? SAMPLE_DATA_FILE;
  const log = (line: string) => console.log(line);
  log(describeMachine());
  const events = (await invoiceLineRecords(file, commandLine.options.rows)).map(
    (record) => JSON.parse(Buffer.from(record.Data!).toString('utf8')) as InvoiceLineEvent,
  );
  const objects = archiveObjects(events);
  log(`${events.length.toLocaleString('en-GB')} events from ${file} in ${objects.size} day folders`);

  const stateDir = await mkdtemp(path.join(tmpdir(), 'retail-bench-batch-'));
  // Only the job merges while it is measured: the schedule's merge (every 10 s locally) waits an hour.
  const platform = await startLocalPlatform({ stateDir, fresh: true, quiet: 'silent', scheduleRateSeconds: 3600 });
  try {
    const { stack } = platform;
    const rawBucket = Object.values(stack.resources.buckets).find((bucket) => bucket.name.includes('raw-events'))!;
    const s3 = createS3Client({
      region: stack.region,
      credentials: stack.credentials,
      endpoints: { s3: stack.endpoints.s3! },
      maxAttempts: 3,
    });
    try {
      for (const [key, body] of objects)
        await s3.send(new PutObjectCommand({ Bucket: rawBucket.name, Key: key, Body: body }));
    } finally {
      s3.destroy();
    }
    log(`wrote the raw archive: ${objects.size} objects in s3://${rawBucket.name}/invoice-lines/`);

    const runs: [string, BatchSummary][] = [];
    for (const [name, args] of [
      ['npm run batch (into the empty warehouse)', []],
      ['npm run batch -- --full', ['--full']],
    ] as const) {
      const summary = await runBatchCommand(stateDir, args);
      if (summary.problems.length > 0) throw new Error(`${name}: ${summary.problems.join('; ')}`);
      runs.push([name, summary]);
      log(
        `${name}: ${summary.rows.toLocaleString('en-GB')} rows of ${summary.objects} objects in ${summary.seconds.job.toFixed(1)} s ` +
          `= ${rate(summary.rowsPerSecond)} (StartJobRun to SUCCEEDED; crawl ${summary.seconds.crawl.toFixed(1)} s before it)`,
      );
      log(`  the script's own clock: ${JSON.stringify(await scriptSeconds(summary.log!))}`);
    }
    const copyAlone = await measureWarehouseCopy(stack.warehouseUrl!, events);
    log(
      `PostgreSQL's own COPY FROM STDIN of the same ${events.length.toLocaleString('en-GB')} rows: ${rate(copyAlone.perSecond)} ` +
        `(best of ${copyAlone.roundsPerSecond.length}: ${copyAlone.roundsPerSecond.map(rate).join(', ')})`,
    );
    const full = runs.at(-1)![1];
    const ratio = full.rowsPerSecond / copyAlone.perSecond;
    log(
      `ratio (--full run / COPY FROM STDIN): ${ratio.toFixed(2)}; goal ${GOAL}: ${ratio >= GOAL ? 'met' : 'NOT met'}`,
    );
    return ratio >= GOAL ? 0 : 1;
  } finally {
    await platform.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
