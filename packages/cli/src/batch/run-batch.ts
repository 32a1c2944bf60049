import {
  GetCrawlerCommand,
  GetCrawlersCommand,
  GetJobRunCommand,
  GetJobsCommand,
  StartCrawlerCommand,
  StartJobRunCommand,
  type Crawler,
  type GlueClient,
  type JobRun,
} from '@aws-sdk/client-glue';

/** What `npm run batch` reports: the crawls, the job's objects and rows, what it could not load, the time. */
export interface BatchSummary {
  crawler: string;
  job: string;
  jobRunId: string;
  jobRunState: string;
  full: boolean;
  /** Partitions and objects the run loaded (or tried to). */
  partitions: number;
  objects: number;
  rows: number;
  /** Objects an earlier run could not load, which the ledger keeps out (each named by that run). */
  refusedEarlier: number;
  seconds: { crawl: number; job: number; total: number };
  rowsPerSecond: number;
  /** Each object not loaded (its file, line and reason) and each step that failed. */
  problems: string[];
  /** The job run's log (the local Glue's file). */
  log?: string;
  /** The warehouse crawler, when it ran (after a run that SUCCEEDED). */
  warehouseCrawler?: string;
}

/** The last line of a run's log, `SUMMARY {...}` (resources/glue/load-raw-to-warehouse.py). */
export interface JobRunSummary {
  partitions: number;
  objects: number;
  objectsLoaded: number;
  rows: number;
  failed: { url: string; problem: string }[];
  refusedEarlier: number;
}

export interface BatchDependencies {
  glue: GlueClient;
  /** The run's log so far (the local Glue writes it as the script runs); undefined until it exists. */
  readRunLog: (job: string, runId: string) => Promise<string | undefined>;
  /** The log's lines as they come. */
  onLogLines?: (lines: string[]) => void;
  /** Where the run's log is, for the summary. */
  runLogPath?: (job: string, runId: string) => string;
  pollMs?: number;
}

export class BatchSetupError extends Error {
  override readonly name = 'BatchSetupError';
}

/** The job argument that makes the script load every object again, ignoring its ledger (`--full`). */
export const FULL_RELOAD_ARGUMENTS = { '--load_mode': 'all' } as const;
const SUMMARY_PREFIX = 'SUMMARY ';

/** Crawl, load, catalog the warehouse: the Glue workflow's steps, run and awaited one after the other. */
export async function runBatch(options: { full: boolean }, dependencies: BatchDependencies): Promise<BatchSummary> {
  const { glue } = dependencies;
  const pollMs = dependencies.pollMs ?? 250;
  const started = performance.now();
  const { Crawlers = [] } = await glue.send(new GetCrawlersCommand({}));
  const rawCrawler = Crawlers.find((crawler) => (crawler.Targets?.S3Targets ?? []).length > 0);
  const warehouseCrawler = Crawlers.find((crawler) => (crawler.Targets?.JdbcTargets ?? []).length > 0);
  const { Jobs = [] } = await glue.send(new GetJobsCommand({}));
  if (rawCrawler?.Name === undefined || Jobs.length !== 1 || Jobs[0]!.Name === undefined) {
    throw new BatchSetupError(
      `The local Glue declares ${Crawlers.length} crawler(s) and ${Jobs.length} job(s): the batch needs a crawler with an S3 target and one job (resources/glue.yml).`,
    );
  }
  const jobName = Jobs[0]!.Name;
  const problems: string[] = [];

  const rawCrawl = await crawl(glue, rawCrawler.Name, pollMs);
  if (rawCrawl.LastCrawl?.Status !== 'SUCCEEDED')
    problems.push(
      `crawler ${rawCrawler.Name}: ${rawCrawl.LastCrawl?.Status} ${rawCrawl.LastCrawl?.ErrorMessage ?? ''}`.trim(),
    );
  const crawled = performance.now();

  let run: JobRun | undefined;
  let runSummary: JobRunSummary | undefined;
  let runId = '';
  if (problems.length === 0) {
    const Arguments = options.full ? { ...FULL_RELOAD_ARGUMENTS } : undefined;
    runId = (await glue.send(new StartJobRunCommand({ JobName: jobName, Arguments }))).JobRunId ?? '';
    let shown = 0;
    const showLog = async () => {
      const log = (await dependencies.readRunLog(jobName, runId)) ?? '';
      const complete = log.lastIndexOf('\n') + 1;
      if (complete > shown) dependencies.onLogLines?.(log.slice(shown, complete - 1).split('\n'));
      shown = Math.max(shown, complete);
      return log;
    };
    for (;;) {
      run = (await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }))).JobRun;
      await showLog();
      if (run?.JobRunState !== 'RUNNING' && run?.JobRunState !== 'STARTING') break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    runSummary = parseRunSummary(await showLog());
    for (const failed of runSummary?.failed ?? []) problems.push(`not loaded: ${failed.url}: ${failed.problem}`);
    if (run?.JobRunState !== 'SUCCEEDED')
      problems.push(`job ${jobName} ${runId}: ${run?.JobRunState} ${run?.ErrorMessage ?? ''}`.trim());
  }
  const loaded = performance.now();

  const catalogs = warehouseCrawler?.Name !== undefined && run?.JobRunState === 'SUCCEEDED';
  if (catalogs) {
    const catalogCrawl = await crawl(glue, warehouseCrawler!.Name!, pollMs);
    if (catalogCrawl.LastCrawl?.Status !== 'SUCCEEDED')
      problems.push(
        `crawler ${warehouseCrawler!.Name}: ${catalogCrawl.LastCrawl?.Status} ${catalogCrawl.LastCrawl?.ErrorMessage ?? ''}`.trim(),
      );
  }
  const jobSeconds = (loaded - crawled) / 1000;
  const rows = runSummary?.rows ?? 0;
  return {
    crawler: rawCrawler.Name,
    job: jobName,
    jobRunId: runId,
    jobRunState: run?.JobRunState ?? 'NOT_STARTED',
    full: options.full,
    partitions: runSummary?.partitions ?? 0,
    objects: runSummary?.objects ?? 0,
    rows,
    refusedEarlier: runSummary?.refusedEarlier ?? 0,
    seconds: {
      crawl: round((crawled - started) / 1000),
      job: round(jobSeconds),
      total: round((performance.now() - started) / 1000),
    },
    rowsPerSecond: jobSeconds > 0 ? Math.round(rows / jobSeconds) : 0,
    problems,
    ...(runId === '' || dependencies.runLogPath === undefined ? {} : { log: dependencies.runLogPath(jobName, runId) }),
    ...(catalogs ? { warehouseCrawler: warehouseCrawler!.Name! } : {}),
  };
}

/** The script's SUMMARY line, the last one it prints; undefined when the run ended before it. */
export function parseRunSummary(log: string): JobRunSummary | undefined {
  const line = log
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith(SUMMARY_PREFIX));
  return line === undefined ? undefined : (JSON.parse(line.slice(SUMMARY_PREFIX.length)) as JobRunSummary);
}

/** StartCrawler, then GetCrawler until it is READY with a crawl newer than the one before. */
async function crawl(glue: GlueClient, name: string, pollMs: number): Promise<Crawler> {
  const before = (await glue.send(new GetCrawlerCommand({ Name: name }))).Crawler?.LastCrawl?.StartTime?.getTime();
  await glue.send(new StartCrawlerCommand({ Name: name }));
  for (;;) {
    const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: name }));
    if (Crawler?.State === 'READY' && Crawler.LastCrawl?.StartTime?.getTime() !== before) return Crawler;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export function formatBatchSummary(summary: BatchSummary): string {
  const lines = [
    `Batch ${summary.full ? '(--full: every object again, the ledger ignored) ' : ''}on the local platform: ${summary.jobRunState}`,
    `  crawl      ${summary.crawler}: ${summary.seconds.crawl.toFixed(1)} s`,
    `  job        ${summary.job} ${summary.jobRunId}`,
    `  partitions ${summary.partitions} (${summary.objects} objects not in the ledger${summary.full ? ', --full: all' : ''})`,
    `  rows       ${summary.rows.toLocaleString('en-GB')} loaded in ${summary.seconds.job.toFixed(1)} s (${summary.rowsPerSecond.toLocaleString('en-GB')} rows/s)`,
    ...(summary.refusedEarlier === 0
      ? []
      : [
          `  refused    ${summary.refusedEarlier} object(s) an earlier run could not load stay out (ledger status failed)`,
        ]),
    ...(summary.warehouseCrawler === undefined
      ? []
      : [`  catalog    ${summary.warehouseCrawler} recrawled the warehouse schema`]),
    `  total      ${summary.seconds.total.toFixed(1)} s`,
    ...(summary.log === undefined ? [] : [`  log        ${summary.log}`]),
  ];
  if (summary.problems.length > 0) {
    lines.push(`  problems   ${summary.problems.length}:`);
    lines.push(...summary.problems.slice(0, 20).map((problem) => `    ${problem}`));
    if (summary.problems.length > 20)
      lines.push(`    ... and ${summary.problems.length - 20} more (--json lists them all)`);
  }
  return lines.join('\n');
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
