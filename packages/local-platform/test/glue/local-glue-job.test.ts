import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createGlueClient } from '@retail/adapters';
import { eventually, startTestS3, type TestS3 } from '@retail/test-support';
import { startLocalGlue, type LocalGlue, type LocalGlueOptions } from '../../src/glue';
import type { LocalJobDefinition } from '../../src/glue/glue-resource-definitions';
import { jobRunFiles } from '../../src/glue/python-shell-run';
import { startLocalWarehouse, type LocalWarehouse } from '../../src/warehouse';
import { glueTestDefinitions, TEST_ACCOUNT_ID, TEST_REGION, type GlueTestDefinitions } from './support/glue-template';

// The local Glue's job runs: the script under python3 as Glue runs a Python shell job. The real script, end to end
// through `npm run batch`, is test/e2e/batch.e2e.test.ts; here small scripts show what the runner itself does.

const ARTIFACTS_BUCKET = 'artifacts-test';
const REPOSITORY_SCRIPT = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  '..',
  'resources',
  'glue',
  'load-raw-to-warehouse.py',
);

/** Prints its argv and the endpoints it was given, writes to stderr, and exits as its first argument says. */
const ECHO_SCRIPT = `
import json, os, sys, time
args = sys.argv[1:]
values = dict(zip(args[0::2], args[1::2]))
print("argv " + json.dumps(values), flush=True)
print("env " + json.dumps({k: v for k, v in os.environ.items() if k.startswith("AWS_")}), flush=True)
sys.stderr.write("a warning on stderr\\n")
time.sleep(float(values.get("--sleep", "0")))
if values.get("--exit") != "0":
    sys.stderr.write("the job could not go on: " + values.get("--exit", "?") + "\\n")
    sys.exit(int(values["--exit"]))
`;

let stateDir: string;
let s3: TestS3;
let glue: LocalGlue;
let client: GlueClient;
let noSitePython: string;

function jobDefinition(name: string, script: string, defaultArguments: Record<string, string>): LocalJobDefinition {
  return {
    logicalId: name,
    name,
    role: 'arn:aws:iam::000000000000:role/job',
    command: { Name: 'pythonshell', ScriptLocation: `s3://${ARTIFACTS_BUCKET}/glue/${script}`, PythonVersion: '3.9' },
    glueVersion: '3.0',
    maxCapacity: 0.0625,
    defaultArguments,
    maxConcurrentRuns: 1,
    timeoutMinutes: 60,
    connections: [],
    declared: {},
  };
}

async function runJob(name: string, args?: Record<string, string>): Promise<JobRun> {
  const { JobRunId } = await client.send(new StartJobRunCommand({ JobName: name, Arguments: args }));
  return waitForRun(name, JobRunId!);
}

function waitForRun(name: string, runId: string): Promise<JobRun> {
  return eventually(
    async () => {
      const { JobRun } = await client.send(new GetJobRunCommand({ JobName: name, RunId: runId }));
      if (JobRun === undefined || JobRun.JobRunState === 'RUNNING') throw new Error(`job run ${runId} is running`);
      return JobRun;
    },
    { timeoutMs: 30_000 },
  );
}

const runLog = (name: string, runId: string) =>
  readFile(jobRunFiles(path.join(stateDir, 'glue'), name, runId).log, 'utf8');

/** A local Glue on a free port with a state directory of its own, over the test S3. */
const startGlue = (name: string, options: Partial<LocalGlueOptions>) =>
  startLocalGlue({
    port: 0,
    stateDir: path.join(stateDir, name),
    s3Endpoint: s3.endpoint,
    region: TEST_REGION,
    accountId: TEST_ACCOUNT_ID,
    databases: [],
    crawlers: [],
    jobs: [],
    log: () => undefined,
    ...options,
  });

const glueClient = (endpoint: string) =>
  createGlueClient({
    region: TEST_REGION,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    endpoints: { glue: endpoint },
    maxAttempts: 1,
  });

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'glue-job-test-'));
  s3 = await startTestS3();
  await s3.createBucket(ARTIFACTS_BUCKET);
  const echoSource = path.join(stateDir, 'echo.py');
  await writeFile(echoSource, ECHO_SCRIPT);
  // A python3 that finds no installed module: what a machine without boto3 runs the real script with.
  noSitePython = path.join(stateDir, 'python3-without-modules');
  await writeFile(noSitePython, '#!/bin/sh\nexec python3 -S "$@"\n');
  await chmod(noSitePython, 0o755);
  glue = await startGlue('glue', {
    jobs: [
      jobDefinition('echo', 'echo.py', { '--exit': '0', '--declared': 'by the template', 'library-set': 'none' }),
      jobDefinition('real-script', 'load-raw-to-warehouse.py', {}),
    ],
    jobEnvironment: { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_REGION: TEST_REGION },
    artifacts: [
      { source: echoSource, key: 'glue/echo.py' },
      { source: REPOSITORY_SCRIPT, key: 'glue/load-raw-to-warehouse.py' },
    ],
  });
  client = glueClient(glue.endpoint);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await glue?.stop();
  await s3?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('a job run of the local Glue: the script under python3', () => {
  it("passes the job's DefaultArguments, the run's Arguments over them and Glue's own as --key value, with the platform's endpoints", async () => {
    const run = await runJob('echo', { '--added': 'by the run' });
    expect(run).toMatchObject({ JobRunState: 'SUCCEEDED', JobName: 'echo', Arguments: { '--added': 'by the run' } });
    expect(run.ErrorMessage).toBeUndefined();
    const log = await runLog('echo', run.Id!);
    const argv = JSON.parse(/^argv (.*)$/m.exec(log)![1]!) as Record<string, string>;
    expect(argv).toEqual({
      '--exit': '0',
      '--declared': 'by the template',
      '--added': 'by the run',
      '--JOB_ID': 'j_echo',
      '--JOB_RUN_ID': run.Id,
      '--JOB_NAME': 'echo',
    });
    const environment = JSON.parse(/^env (.*)$/m.exec(log)![1]!) as Record<string, string>;
    expect(environment).toMatchObject({ AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ENDPOINT_URL_GLUE: glue.endpoint });
    // Standard error is in the run's log too, in the order it came.
    expect(log.indexOf('a warning on stderr')).toBeGreaterThan(log.indexOf('argv '));
  });

  it("uploads the job's artifacts where the deploy does and runs the script its ScriptLocation holds", async () => {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'glue/echo.py' }));
    expect(await object.Body!.transformToString()).toBe(ECHO_SCRIPT);
  });

  it('fails the run when the script exits non-zero, with the last line it wrote to stderr as ErrorMessage', async () => {
    const run = await runJob('echo', { '--exit': '3' });
    expect(run).toMatchObject({ JobRunState: 'FAILED', ErrorMessage: 'the job could not go on: 3' });
  });

  it('refuses a second run while one runs (MaxConcurrentRuns 1), and fails a run whose process is killed', async () => {
    const { JobRunId } = await client.send(new StartJobRunCommand({ JobName: 'echo', Arguments: { '--sleep': '30' } }));
    await expect(client.send(new StartJobRunCommand({ JobName: 'echo' }))).rejects.toMatchObject({
      name: 'ConcurrentRunsExceededException',
    });
    const processFile = jobRunFiles(path.join(stateDir, 'glue'), 'echo', JobRunId!).process;
    const { pid } = await eventually(async () => JSON.parse(await readFile(processFile, 'utf8')) as { pid: number });
    await eventually(async () => expect(await runLog('echo', JobRunId!)).toContain('argv '));
    process.kill(pid, 'SIGKILL');
    await expect(waitForRun('echo', JobRunId!)).resolves.toMatchObject({
      JobRunState: 'FAILED',
      ErrorMessage: "The script's process was killed by SIGKILL.",
    });
  });

  it('fails a run, naming what to install, when python3 has no boto3', async () => {
    const withoutModules = await startGlue('glue-without-modules', {
      jobs: [jobDefinition('real-script', 'load-raw-to-warehouse.py', {})],
      artifacts: [{ source: REPOSITORY_SCRIPT, key: 'glue/load-raw-to-warehouse.py' }],
      python: noSitePython,
    });
    try {
      const run = await withoutModules.service.startJobRun('real-script');
      await withoutModules.service.idle();
      expect(withoutModules.service.jobRun('real-script', run)).toMatchObject({
        JobRunState: 'FAILED',
        ErrorMessage: "load-raw-to-warehouse needs boto3 1.28 or later: pip install 'boto3>=1.28'",
      });
    } finally {
      await withoutModules.stop();
    }
  });

  it('fails a run, naming what to install, when there is no python3', async () => {
    const noPython = await startGlue('glue-without-python', {
      jobs: [jobDefinition('echo', 'echo.py', {})],
      python: path.join(stateDir, 'no-such-python3'),
    });
    try {
      await s3.client.send(new PutObjectCommand({ Bucket: ARTIFACTS_BUCKET, Key: 'glue/echo.py', Body: ECHO_SCRIPT }));
      const run = noPython.service.startJobRun('echo');
      await noPython.service.idle();
      expect(noPython.service.jobRun('echo', run)).toMatchObject({
        JobRunState: 'FAILED',
        ErrorMessage: expect.stringMatching(/no-such-python3 is not on PATH: .*`pip install boto3`/),
      });
    } finally {
      await noPython.stop();
    }
  });
});

describe('the warehouse crawler of resources/glue-warehouse.yml', () => {
  let warehouse: LocalWarehouse;
  let definitions: GlueTestDefinitions;
  let catalog: LocalGlue;
  let catalogClient: GlueClient;

  beforeAll(async () => {
    warehouse = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined });
    definitions = glueTestDefinitions();
    catalog = await startGlue('glue-catalog', {
      databases: definitions.databases,
      crawlers: definitions.crawlers,
      jobs: definitions.jobs,
      warehouseUrl: warehouse.url,
    });
    catalogClient = glueClient(catalog.endpoint);
  }, 120_000);

  afterAll(async () => {
    catalogClient?.destroy();
    await catalog?.stop();
    await warehouse?.stop();
  });

  it('catalogs the warehouse schema, the batch ledger included, through information_schema', async () => {
    const name = definitions.crawlers.find((crawler) => crawler.jdbcTargets.length > 0)!.name;
    const database = definitions.databases[0]!.name;
    await catalogClient.send(new StartCrawlerCommand({ Name: name }));
    await eventually(
      async () => {
        const { Crawler } = await catalogClient.send(new GetCrawlerCommand({ Name: name }));
        if (Crawler?.State !== 'READY' || Crawler.LastCrawl === undefined)
          throw new Error(`crawler is ${Crawler?.State}`);
      },
      { timeoutMs: 30_000 },
    );
    const { TableList } = await catalogClient.send(
      new GetTablesCommand({ DatabaseName: database, Expression: 'warehouse_*' }),
    );
    expect(TableList?.map((table) => table.Name)).toEqual(
      expect.arrayContaining([
        'warehouse_retail_retail_fact_invoice_line',
        'warehouse_retail_retail_invoice_line_landing',
        'warehouse_retail_retail_batch_load_ledger',
      ]),
    );
    const { Table } = await catalogClient.send(
      new GetTableCommand({ DatabaseName: database, Name: 'warehouse_retail_retail_invoice_line_landing' }),
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
