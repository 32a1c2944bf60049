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
import type { JobRunProgress } from '@retail/local-platform';

/** What `npm run batch` reports: the crawls, the job's partitions and rows, the time. */
export interface BatchSummary {
  crawler: string;
  job: string;
  jobRunId: string;
  jobRunState: string;
  full: boolean;
  partitions: number;
  objects: number;
  rows: number;
  seconds: { crawl: number; job: number; total: number };
  rowsPerSecond: number;
  /** Rows not loaded (file and line) and failures of a step. */
  problems: string[];
  warehouseCrawler?: string;
}

export interface BatchDependencies {
  glue: GlueClient;
  /** The job run's progress file (the local Glue writes it): undefined until the run has one. */
  readProgress: (job: string, runId: string) => Promise<JobRunProgress | undefined>;
  onProgress?: (progress: JobRunProgress) => void;
  pollMs?: number;
}

export class BatchSetupError extends Error {
  override readonly name = 'BatchSetupError';
}

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
  let progress: JobRunProgress | undefined;
  let runId = '';
  if (problems.length === 0) {
    const arguments_ = options.full ? { '--job-bookmark-option': 'job-bookmark-disable' } : undefined;
    runId = (await glue.send(new StartJobRunCommand({ JobName: jobName, Arguments: arguments_ }))).JobRunId ?? '';
    for (;;) {
      run = (await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: runId }))).JobRun;
      progress = (await dependencies.readProgress(jobName, runId)) ?? progress;
      if (progress !== undefined) dependencies.onProgress?.(progress);
      if (run?.JobRunState !== 'RUNNING' && run?.JobRunState !== 'STARTING') break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    progress = (await dependencies.readProgress(jobName, runId)) ?? progress;
    problems.push(...(progress?.problems ?? []));
    if (run?.JobRunState !== 'SUCCEEDED')
      problems.push(`job ${jobName} ${runId}: ${run?.JobRunState} ${run?.ErrorMessage ?? ''}`.trim());
  }
  const loaded = performance.now();

  if (warehouseCrawler?.Name !== undefined && run?.JobRunState === 'SUCCEEDED') {
    const catalogCrawl = await crawl(glue, warehouseCrawler.Name, pollMs);
    if (catalogCrawl.LastCrawl?.Status !== 'SUCCEEDED')
      problems.push(
        `crawler ${warehouseCrawler.Name}: ${catalogCrawl.LastCrawl?.Status} ${catalogCrawl.LastCrawl?.ErrorMessage ?? ''}`.trim(),
      );
  }
  const jobSeconds = (loaded - crawled) / 1000;
  const rows = progress?.rowsLoaded ?? 0;
  return {
    crawler: rawCrawler.Name,
    job: jobName,
    jobRunId: runId,
    jobRunState: run?.JobRunState ?? 'NOT_STARTED',
    full: options.full,
    partitions: progress?.partitionsTotal ?? 0,
    objects: progress?.objectsTotal ?? 0,
    rows,
    seconds: {
      crawl: round((crawled - started) / 1000),
      job: round(jobSeconds),
      total: round((performance.now() - started) / 1000),
    },
    rowsPerSecond: jobSeconds > 0 ? Math.round(rows / jobSeconds) : 0,
    problems,
    ...(warehouseCrawler?.Name === undefined ? {} : { warehouseCrawler: warehouseCrawler.Name }),
  };
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
    `Batch ${summary.full ? '(--full: bookmark ignored) ' : ''}on the local platform: ${summary.jobRunState}`,
    `  crawl      ${summary.crawler}: ${summary.seconds.crawl.toFixed(1)} s`,
    `  job        ${summary.job} ${summary.jobRunId}`,
    `  partitions ${summary.partitions} (${summary.objects} objects)`,
    `  rows       ${summary.rows.toLocaleString('en-GB')} loaded in ${summary.seconds.job.toFixed(1)} s (${summary.rowsPerSecond.toLocaleString('en-GB')} rows/s)`,
    ...(summary.warehouseCrawler === undefined
      ? []
      : [`  catalog    ${summary.warehouseCrawler} recrawled the warehouse schema`]),
    `  total      ${summary.seconds.total.toFixed(1)} s`,
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
