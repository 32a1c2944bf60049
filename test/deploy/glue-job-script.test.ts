import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MERGE_LANDING_CALL } from '@retail/adapters';
import { checkRedshiftStatements } from '@retail/adapters/redshift-grammar';
import { readLandingColumns } from '@retail/local-platform';
import { landingCopyStatement } from '@retail/local-platform/warehouse';

// The Glue job as `npm run deploy` would create it (root stack packaged offline) against the script it runs.
const run = promisify(execFile);
const SERVERLESS_CLI = require.resolve('serverless/bin/serverless.js');
const REPOSITORY = path.resolve(__dirname, '../..');
const SCRIPT = path.join(REPOSITORY, 'resources', 'glue', 'load-raw-to-warehouse.py');
// Read by Glue itself, not by the script.
const GLUE_READ_ARGUMENTS = ['--additional-python-modules'];

interface GlueJob {
  Type: string;
  Properties: {
    Command: { Name: string; PythonVersion: string; ScriptLocation: unknown };
    MaxCapacity: number;
    GlueVersion: string;
    Connections?: unknown;
    DefaultArguments: Record<string, unknown>;
  };
}

let job: GlueJob['Properties'];
let directory: string;

/** Calls a function of the script with JSON arguments in python3 and returns its JSON result. */
async function callScript(name: string, ...args: unknown[]): Promise<unknown> {
  const { stdout } = await run('python3', [
    '-c',
    'import importlib.util, json, sys; spec = importlib.util.spec_from_file_location("job", sys.argv[1]); ' +
      'job = importlib.util.module_from_spec(spec); spec.loader.exec_module(job); ' +
      'print(json.dumps(getattr(job, sys.argv[2])(*json.loads(sys.argv[3]))))',
    SCRIPT,
    name,
    JSON.stringify(args),
  ]);
  return JSON.parse(stdout);
}

beforeAll(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'glue-job-package-'));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'packaging-only', AWS_SECRET_ACCESS_KEY: 'packaging-only' };
  await run(process.execPath, [SERVERLESS_CLI, 'package', '--stage', 'dev', '--package', directory], {
    cwd: REPOSITORY,
    env,
  });
  const template = JSON.parse(
    await readFile(path.join(directory, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as { Resources: Record<string, GlueJob> };
  const jobs = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Glue::Job');
  expect(jobs).toHaveLength(1);
  job = jobs[0]!.Properties;
}, 300_000);
afterAll(() => rm(directory, { recursive: true, force: true }));

describe('the Glue job script resources/glue/load-raw-to-warehouse.py', () => {
  it("is Python 3.9, the Python shell runtime's (ast at feature_version 3.9)", async () => {
    await run('python3', [
      '-c',
      'import ast, sys; ast.parse(open(sys.argv[1]).read(), filename=sys.argv[1], feature_version=(3, 9))',
      SCRIPT,
    ]);
    expect(job).toMatchObject({
      Command: { Name: 'pythonshell', PythonVersion: '3.9' },
      GlueVersion: '3.0',
      MaxCapacity: 0.0625,
    });
    // The job calls public AWS endpoints only: no JDBC connection (the warehouse crawler keeps it).
    expect(job.Connections).toBeUndefined();
  });

  it("reads exactly the job's DefaultArguments (its ARGUMENTS list)", async () => {
    // The ARGUMENTS literal, read by Python's own parser.
    const { stdout } = await run('python3', [
      '-c',
      'import ast, json, sys; tree = ast.parse(open(sys.argv[1]).read()); ' +
        'print(json.dumps(next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "ARGUMENTS")))',
      SCRIPT,
    ]);
    const declared = Object.keys(job.DefaultArguments)
      .filter((name) => !GLUE_READ_ARGUMENTS.includes(name))
      .map((name) => name.replace(/^--/, ''))
      .sort();
    expect((JSON.parse(stdout) as string[]).sort()).toEqual(declared);
    expect(job.DefaultArguments['--load_mode']).toBe('new');
  });

  it('merges as the schedule does: its --merge_sql is MERGE_LANDING_CALL', () => {
    expect(job.DefaultArguments['--merge_sql']).toBe(MERGE_LANDING_CALL);
  });

  it("reads landing-columns.yml as the platform reads it, and builds the landing table's one COPY from it", async () => {
    const text = await readFile(path.join(REPOSITORY, 'resources', 'warehouse', 'landing-columns.yml'), 'utf8');
    const settings = (await callScript('read_landing_settings', text)) as Record<string, string>;
    const landing = await readLandingColumns();
    expect(settings).toMatchObject({
      table: landing.table,
      dataTableColumns: landing.columns.map((column) => column.name).join(','),
      jsonpathsKey: landing.jsonpathsKey,
      copyOptions: landing.copyOptions,
    });
    const manifest = 's3://retail-dev-artifacts-123456789012/glue-temp/manifests/jr_1-1.manifest';
    const role = 'arn:aws:iam::123456789012:role/retail-platform-dev-WarehouseBatchCopyRole';
    const staging = 'retail-dev-warehouse-staging-123456789012';
    const copy = (await callScript('copy_statement', settings, manifest, staging, role)) as string;
    expect(copy).toBe(
      landingCopyStatement(landing, {
        from: manifest,
        manifest: true,
        authorization: `IAM_ROLE '${role}'`,
        stagingBucket: staging,
      }),
    );
    const ledger = (await callScript(
      'ledger_inserts',
      'retail.batch_load_ledger',
      [{ url: 's3://raw/invoice-lines/year=2011/month=12/day=09/o.gz', etag: 'abc', bytes: 10 }],
      'failed',
      'jr_1',
      "line 2, column quantity: Invalid digit, Value 'm' [error 1207]",
    )) as string[];
    const statements = [copy, ...ledger].map((sql, index) => ({ source: `the batch job's statement ${index}`, sql }));
    expect((await checkRedshiftStatements(statements)).map((finding) => finding.message)).toEqual([]);
  });

  it('is the script the job runs, uploaded by the deploy with the file it reads, under the keys the job names', async () => {
    const serverless = await readFile(path.join(REPOSITORY, 'serverless.yml'), 'utf8');
    expect(serverless).toContain('source: resources/glue/load-raw-to-warehouse.py');
    expect(serverless).toContain('source: resources/warehouse/landing-columns.yml');
    expect(JSON.stringify(job.Command.ScriptLocation)).toContain('/glue/load-raw-to-warehouse.py');
    expect(JSON.stringify(job.DefaultArguments['--landing_columns_location'])).toContain('/glue/landing-columns.yml');
  });
});
