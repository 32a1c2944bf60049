import { randomBytes, randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '@retail/adapters';
import { readJsonFileIfExists, writeJsonFileAtomically } from '../atomic-json-file';
import { AwsJsonError } from '../aws-json-protocol';
import { childProcessEnvironment } from '../local-aws-environment';
import { LOCAL_CREDENTIALS } from '../platform-settings';
import { DataCatalog, epochSeconds } from './data-catalog';
import { glueRequestListener } from './glue-json-api';
import type { LocalCrawlerDefinition, LocalDatabaseDefinition, LocalJobDefinition } from './glue-resource-definitions';
import type { ArtifactFile } from '../cloudformation/read-platform-template';
import { crawlJdbcTargets } from './jdbc-crawl';
import { glueArgv, jobRunFiles, startPythonShellRun, type PythonShellRun } from './python-shell-run';
import { crawlS3Targets, emptyCrawlOutcome, type CrawlOutcome } from './s3-crawl';
import { listenOn } from '../free-port';

export interface LocalGlueOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** `<platform state dir>/glue`: catalog.json, crawlers.json, the crawl logs. */
  stateDir: string;
  s3Endpoint: string;
  region: string;
  accountId: string;
  databases: readonly LocalDatabaseDefinition[];
  crawlers: readonly LocalCrawlerDefinition[];
  jobs: readonly LocalJobDefinition[];
  /** The local warehouse (postgres://...), where JDBC targets are crawled; crawlers with JDBC targets fail without. */
  warehouseUrl?: string;
  /**
   * What a job run's script gets in its environment besides the process's own: the platform's AWS_ENDPOINT_URL_*,
   * region and credentials (the local Glue adds its own endpoint).
   */
  jobEnvironment?: Record<string, string>;
  /** The files the deploy uploads next to the job's script (custom.artifacts): uploaded to its bucket before each run. */
  artifacts?: readonly ArtifactFile[];
  /** The interpreter of Python shell jobs; default python3 (on PATH). */
  python?: string;
  /** Crawl problems and logged schema changes; default stderr. */
  log?: (message: string) => void;
}

export interface LocalGlue {
  /** http://host:port, for AWS_ENDPOINT_URL_GLUE and `aws glue ... --endpoint-url`. */
  endpoint: string;
  port: number;
  service: LocalGlueService;
  stop(): Promise<void>;
}

export type CrawlerState = 'READY' | 'RUNNING' | 'STOPPING';

export interface LastCrawl {
  Status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  ErrorMessage?: string;
  LogGroup: string;
  LogStream: string;
  MessagePrefix: string;
  StartTime: number;
}

/** What is kept of a crawler between runs of the platform (`crawlers.json`). */
export interface CrawlerRecord {
  State: CrawlerState;
  CreationTime: number;
  LastUpdated: number;
  Version: number;
  LastCrawl?: LastCrawl;
  /** Seconds each finished crawl took, oldest first (the median and last runtime of GetCrawlerMetrics). */
  runtimes: number[];
  lastOutcome?: Omit<CrawlOutcome, 'problems' | 'logged'> & { problems: number };
  /** Epoch seconds the running crawl started. */
  runningSince?: number;
}

/** A job run in the shape GetJobRun returns. */
export interface JobRunRecord {
  Id: string;
  Attempt: number;
  JobName: string;
  JobMode: 'SCRIPT';
  StartedOn: number;
  LastModifiedOn: number;
  CompletedOn?: number;
  JobRunState: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT';
  Arguments: Record<string, string>;
  ErrorMessage?: string;
  /** Seconds. */
  ExecutionTime: number;
  GlueVersion: string;
  PredecessorRuns: [];
}

interface JobsState {
  runs: Record<string, JobRunRecord[]>;
}

const CRAWLER_LOG_GROUP = '/aws-glue/crawlers';
const KEPT_JOB_RUNS = 50;
const KEPT_RUNTIMES = 20;

/** The local Glue's state and behaviour: the catalog, the crawlers' runs, the jobs' definitions. */
export class LocalGlueService {
  private readonly running = new Map<string, Promise<CrawlOutcome | undefined>>();
  private readonly runningJobs = new Map<string, Promise<void>>();
  private readonly jobProcesses = new Map<string, PythonShellRun>();
  private jobsState: JobsState = { runs: {} };
  private jobEnvironment: Record<string, string> = {};
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    readonly catalog: DataCatalog,
    readonly crawlers: ReadonlyMap<string, LocalCrawlerDefinition>,
    readonly jobs: ReadonlyMap<string, LocalJobDefinition>,
    private readonly records: Record<string, CrawlerRecord>,
    private readonly stateDir: string,
    private readonly s3: S3Client,
    private readonly log: (message: string) => void,
    readonly accountId: string,
    readonly warehouseUrl: string | undefined,
    private readonly artifacts: readonly ArtifactFile[],
    private readonly python: string,
  ) {}

  static async open(options: LocalGlueOptions, s3: S3Client): Promise<LocalGlueService> {
    const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
    const catalog = await DataCatalog.open(options.stateDir, options.accountId);
    for (const database of options.databases) {
      await catalog.putDatabase({
        Name: database.name,
        Description: database.description,
        LocationUri: database.locationUri,
        Parameters: database.parameters,
      });
    }
    const crawlers = uniqueByName(options.crawlers, 'crawler');
    const jobs = uniqueByName(options.jobs, 'job');
    for (const crawler of crawlers.values()) {
      if (catalog.database(crawler.databaseName) === undefined) {
        throw new Error(
          `${crawler.logicalId}: crawler ${crawler.name} writes to database ${crawler.databaseName}, which the template does not declare (AWS::Glue::Database).`,
        );
      }
    }
    const saved = (await readJsonFileIfExists<Record<string, CrawlerRecord>>(crawlersFile(options.stateDir))) ?? {};
    const now = epochSeconds();
    const records: Record<string, CrawlerRecord> = {};
    for (const name of crawlers.keys()) {
      const record = saved[name] ?? { State: 'READY', CreationTime: now, LastUpdated: now, Version: 1, runtimes: [] };
      if (record.State !== 'READY') {
        // The platform stopped while it crawled: nothing of that crawl was saved (the catalog is written at its end).
        record.LastCrawl = {
          ...(record.LastCrawl ?? logLocation(name, now)),
          Status: 'CANCELLED',
          ErrorMessage: 'The local platform stopped during the crawl.',
        };
        record.State = 'READY';
        delete record.runningSince;
      }
      records[name] = record;
    }
    const service = new LocalGlueService(
      catalog,
      crawlers,
      jobs,
      records,
      options.stateDir,
      s3,
      log,
      options.accountId,
      options.warehouseUrl,
      options.artifacts ?? [],
      options.python ?? 'python3',
    );
    await service.saveRecords();
    await service.openJobs();
    return service;
  }

  private async openJobs(): Promise<void> {
    const saved = await readJsonFileIfExists<JobsState>(jobsFile(this.stateDir));
    this.jobsState = { runs: saved?.runs ?? {} };
    for (const run of Object.values(this.jobsState.runs).flat()) {
      if (run.JobRunState !== 'RUNNING') continue;
      // Its script's Data API calls ended with the platform; the job's ledger keeps what it committed.
      Object.assign(run, { JobRunState: 'FAILED', ErrorMessage: 'The local platform stopped during the run.' });
    }
    await this.saveJobs();
  }

  jobRuns(name: unknown): JobRunRecord[] {
    return [...(this.jobsState.runs[this.job(name).name] ?? [])].reverse();
  }

  jobRun(name: unknown, runId: unknown): JobRunRecord {
    const run = this.jobRuns(name).find((candidate) => candidate.Id === runId);
    if (run === undefined) throw new AwsJsonError('EntityNotFoundException', `Job run ${String(runId)} not found`);
    return run;
  }

  /** What every job run's script gets in its environment (the local Glue's endpoint, once it listens). */
  setJobEnvironment(environment: Record<string, string>): void {
    this.jobEnvironment = environment;
  }

  /** Starts a run of the job in the background, as StartJobRun does; returns its id. */
  startJobRun(name: unknown, runArguments: Record<string, string> = {}): string {
    const job = this.job(name);
    const active = (this.jobsState.runs[job.name] ?? []).filter((run) => run.JobRunState === 'RUNNING');
    if (active.length >= job.maxConcurrentRuns) {
      throw new AwsJsonError(
        'ConcurrentRunsExceededException',
        `Concurrent runs exceeded for ${job.name}: MaxConcurrentRuns is ${job.maxConcurrentRuns} and ${active[0]!.Id} is running.`,
      );
    }
    for (const [key, value] of Object.entries(runArguments)) {
      if (!key.startsWith('--') || typeof value !== 'string')
        throw new AwsJsonError(
          'InvalidInputException',
          `Argument ${key}: job arguments are "--name": "value" strings.`,
        );
    }
    const now = epochSeconds();
    const run: JobRunRecord = {
      Id: `jr_${randomBytes(32).toString('hex')}`,
      Attempt: 0,
      JobName: job.name,
      JobMode: 'SCRIPT',
      StartedOn: now,
      LastModifiedOn: now,
      JobRunState: 'RUNNING',
      Arguments: runArguments,
      ExecutionTime: 0,
      GlueVersion: job.glueVersion,
      PredecessorRuns: [],
    };
    this.jobsState.runs[job.name] = [...(this.jobsState.runs[job.name] ?? []), run].slice(-KEPT_JOB_RUNS);
    const execution = this.saveJobs()
      .then(() => this.executeJobRun(job, run))
      .then(
        ({ state, errorMessage }) => this.finishJobRun(run, state, errorMessage),
        (error: Error) => this.finishJobRun(run, 'FAILED', error.message),
      )
      .then(() => {
        if (run.ErrorMessage !== undefined)
          this.log(`job ${job.name} ${run.Id} ${run.JobRunState}: ${run.ErrorMessage}`);
        return this.saveJobs();
      })
      .finally(() => {
        this.runningJobs.delete(run.Id);
        this.jobProcesses.delete(run.Id);
      });
    this.runningJobs.set(run.Id, execution);
    return run.Id;
  }

  /**
   * A run as Glue makes it: the job's artifacts where the deploy puts them (custom.artifacts, in the bucket of its
   * ScriptLocation), the script fetched from its ScriptLocation in the local S3, then run under python3.
   */
  private async executeJobRun(job: LocalJobDefinition, run: JobRunRecord) {
    const files = jobRunFiles(this.stateDir, job.name, run.Id);
    await mkdir(files.directory, { recursive: true });
    const script = s3Url(job.command.ScriptLocation, `Job ${job.name} ScriptLocation`);
    for (const artifact of this.artifacts) {
      await this.s3.send(
        new PutObjectCommand({ Bucket: script.bucket, Key: artifact.key, Body: await readFile(artifact.source) }),
      );
    }
    let body: Uint8Array;
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: script.bucket, Key: script.key }));
      body = await object.Body!.transformToByteArray();
    } catch (error) {
      throw new Error(
        `The job's script ${job.command.ScriptLocation} cannot be read (${(error as Error).message}): serverless.yml custom.artifacts uploads it.`,
      );
    }
    await writeFile(files.script, body);
    const header = [
      `run ${run.Id} of ${job.name}: ${this.python} ${job.command.ScriptLocation} (fetched to ${files.script})`,
    ];
    const modules = job.defaultArguments['--additional-python-modules'];
    if (modules !== undefined)
      header.push(
        `--additional-python-modules ${modules} is not installed locally: the script runs with ${this.python}'s own modules.`,
      );
    const child = await startPythonShellRun({
      python: this.python,
      files,
      argv: glueArgv(job, { id: run.Id, arguments: run.Arguments }),
      environment: childProcessEnvironment(this.jobEnvironment),
      timeoutMs: job.timeoutMinutes * 60_000,
      header,
    });
    this.jobProcesses.set(run.Id, child);
    await writeJsonFileAtomically(files.process, { pid: child.pid, script: files.script, log: files.log });
    return child.finished;
  }

  private finishJobRun(run: JobRunRecord, state: JobRunRecord['JobRunState'], errorMessage?: string): void {
    const now = epochSeconds();
    Object.assign(run, {
      JobRunState: state,
      CompletedOn: now,
      LastModifiedOn: now,
      ExecutionTime: Math.round(now - run.StartedOn),
      ...(errorMessage === undefined ? {} : { ErrorMessage: errorMessage }),
    });
  }

  private saveJobs(): Promise<void> {
    this.saving = this.saving.then(() => writeJsonFileAtomically(jobsFile(this.stateDir), this.jobsState));
    return this.saving;
  }

  crawler(name: unknown): LocalCrawlerDefinition {
    const crawler = typeof name === 'string' ? this.crawlers.get(name) : undefined;
    if (crawler === undefined)
      throw new AwsJsonError('EntityNotFoundException', `Crawler entry with name ${String(name)} does not exist`);
    return crawler;
  }

  crawlerRecord(name: string): CrawlerRecord {
    return this.records[name]!;
  }

  job(name: unknown): LocalJobDefinition {
    const job = typeof name === 'string' ? this.jobs.get(name) : undefined;
    if (job === undefined) throw new AwsJsonError('EntityNotFoundException', `Job ${String(name)} not found`);
    return job;
  }

  /** Starts a crawl in the background, as StartCrawler does; fails if one is running. */
  startCrawler(name: unknown): void {
    const crawler = this.crawler(name);
    if (this.running.has(crawler.name))
      throw new AwsJsonError('CrawlerRunningException', `Crawler with name ${crawler.name} has already started`);
    const record = this.records[crawler.name]!;
    const started = epochSeconds();
    record.State = 'RUNNING';
    record.runningSince = started;
    const run = this.saveRecords()
      .then(() => this.runCrawl(crawler))
      .then(
        async (outcome) => {
          await this.finishCrawl(crawler, started, outcome);
          return outcome;
        },
        async (error: Error) => {
          await this.finishCrawl(crawler, started, undefined, error.message);
          return undefined;
        },
      )
      .finally(() => this.running.delete(crawler.name));
    this.running.set(crawler.name, run);
  }

  private async runCrawl(crawler: LocalCrawlerDefinition): Promise<CrawlOutcome> {
    if (this.catalog.database(crawler.databaseName) === undefined)
      throw new Error(`Crawler ${crawler.name}: database ${crawler.databaseName} is not in the Data Catalog.`);
    const outcome = emptyCrawlOutcome();
    await crawlS3Targets(crawler, this.s3, this.catalog, outcome);
    await crawlJdbcTargets(crawler, this.warehouseUrl, this.catalog, outcome);
    return outcome;
  }

  /** Runs the crawler and waits for it (what StartCrawler + polling GetCrawler do); undefined if it failed. */
  async crawl(name: string): Promise<CrawlOutcome | undefined> {
    this.startCrawler(name);
    return this.running.get(name);
  }

  /** Ends every job run's process (the platform stops): each run FAILS, saying so. */
  stopJobRuns(): void {
    for (const child of this.jobProcesses.values()) child.stop('The local platform stopped during the run.');
  }

  /** Waits for every crawl and job run. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values(), ...this.runningJobs.values()]);
    await this.saving;
  }

  private async finishCrawl(
    crawler: LocalCrawlerDefinition,
    started: number,
    outcome: CrawlOutcome | undefined,
    errorMessage?: string,
  ): Promise<void> {
    const record = this.records[crawler.name]!;
    const location = logLocation(crawler.name, started);
    const lines = outcome === undefined ? [`ERROR ${errorMessage}`] : [...outcome.problems, ...outcome.logged];
    if (outcome !== undefined) {
      lines.push(
        `crawl finished: ${outcome.tablesCreated} table(s) created, ${outcome.tablesUpdated} updated, ` +
          `${outcome.tablesDeleted} deleted, ${outcome.partitionsAdded.length} partition(s) added, ${outcome.partitionsRemoved.length} removed, ` +
          `${outcome.recordsRead} record(s) in ${outcome.objectsRead} object(s)`,
      );
    }
    for (const line of [...(outcome?.problems ?? []), ...(outcome?.logged ?? [])])
      this.log(`crawler ${crawler.name}: ${line}`);
    if (errorMessage !== undefined) this.log(`crawler ${crawler.name} failed: ${errorMessage}`);
    await this.appendCrawlLog(location, lines);
    record.State = 'READY';
    delete record.runningSince;
    record.LastCrawl = {
      ...location,
      Status: outcome === undefined ? 'FAILED' : 'SUCCEEDED',
      ...(errorMessage === undefined ? {} : { ErrorMessage: errorMessage }),
    };
    record.runtimes = [...record.runtimes, epochSeconds() - started].slice(-KEPT_RUNTIMES);
    if (outcome !== undefined) {
      const { problems, logged: _logged, ...counts } = outcome;
      record.lastOutcome = { ...counts, problems: problems.length };
    }
    await this.saveRecords();
  }

  private async appendCrawlLog(location: Omit<LastCrawl, 'Status'>, lines: string[]): Promise<void> {
    const file = path.join(
      this.stateDir,
      'logs',
      ...location.LogGroup.split('/').filter(Boolean),
      `${location.LogStream}.log`,
    );
    await mkdir(path.dirname(file), { recursive: true });
    const stamp = new Date().toISOString();
    await appendFile(file, lines.map((line) => `${stamp} [${location.MessagePrefix}] ${line}\n`).join(''));
  }

  private saveRecords(): Promise<void> {
    this.saving = this.saving.then(() => writeJsonFileAtomically(crawlersFile(this.stateDir), this.records));
    return this.saving;
  }
}

/**
 * Starts the local Glue: its Data Catalog, crawlers and jobs from the template's definitions, and the Glue API
 * (JSON 1.1, `X-Amz-Target: AWSGlue.<Operation>`) that the AWS CLI and SDK reach with an endpoint URL.
 */
export async function startLocalGlue(options: LocalGlueOptions): Promise<LocalGlue> {
  await mkdir(options.stateDir, { recursive: true });
  const s3 = createS3Client({
    region: options.region,
    credentials: LOCAL_CREDENTIALS,
    endpoints: { s3: options.s3Endpoint },
    maxAttempts: 3,
  });
  let service: LocalGlueService;
  try {
    service = await LocalGlueService.open(options, s3);
  } catch (error) {
    s3.destroy();
    throw error;
  }
  const server = createServer(glueRequestListener(service));
  const host = options.host ?? '127.0.0.1';
  let port: number;
  try {
    port = await listenOn(server, options.port ?? 0, host);
  } catch (error) {
    s3.destroy();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const endpoint = `http://${host}:${port}`;
  service.setJobEnvironment({ ...options.jobEnvironment, AWS_ENDPOINT_URL_GLUE: endpoint });
  return {
    endpoint,
    port,
    service,
    stop: () => {
      stopped ??= (async () => {
        service.stopJobRuns();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await service.idle();
        s3.destroy();
      })();
      return stopped;
    },
  };
}

function jobsFile(stateDir: string): string {
  return path.join(stateDir, 'jobs.json');
}

function s3Url(url: string, what: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (match === null) throw new Error(`${what} ${url} is no s3://bucket/key.`);
  return { bucket: match[1]!, key: match[2]! };
}

function crawlersFile(stateDir: string): string {
  return path.join(stateDir, 'crawlers.json');
}

function logLocation(crawler: string, started: number): Omit<LastCrawl, 'Status'> {
  return { LogGroup: CRAWLER_LOG_GROUP, LogStream: crawler, MessagePrefix: randomUUID(), StartTime: started };
}

function uniqueByName<T extends { name: string; logicalId: string }>(
  items: readonly T[],
  what: string,
): Map<string, T> {
  const byName = new Map<string, T>();
  for (const item of items) {
    const other = byName.get(item.name);
    if (other !== undefined)
      throw new Error(`${other.logicalId} and ${item.logicalId} declare the same ${what} name ${item.name}.`);
    byName.set(item.name, item);
  }
  return byName;
}
