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

/** Python that imports the script (its path is sys.argv[1]) as `job`, with json and sys. */
const IMPORT_SCRIPT =
  'import importlib.util, json, sys; spec = importlib.util.spec_from_file_location("job", sys.argv[1]); ' +
  'job = importlib.util.module_from_spec(spec); spec.loader.exec_module(job)';

/** Calls a function of the script with JSON arguments in python3 and returns its JSON result. */
async function callScript(name: string, ...args: unknown[]): Promise<unknown> {
  const { stdout } = await run('python3', [
    '-c',
    `${IMPORT_SCRIPT}; print(json.dumps(getattr(job, sys.argv[2])(*json.loads(sys.argv[3]))))`,
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

  it("lists the table's location once for the partitions under it, a partition elsewhere on its own, and takes only the objects in each partition's folder", async () => {
    // Glue and S3 clients in Python that answer as AWS would for three partitions, one of them outside the table's
    // location, and record each ListObjectsV2 call.
    const harness = `
${IMPORT_SCRIPT}
class Pages:
    def __init__(self, pages): self.pages = pages
    def paginate(self, **request): return self.pages(**request)
def partition(values, location):
    return {"Values": values, "StorageDescriptor": {"Location": location}}
class Glue:
    class exceptions:
        EntityNotFoundException = type("EntityNotFoundException", (Exception,), {})
    def get_table(self, **request):
        return {"Table": {"StorageDescriptor": {"Location": "s3://raw/invoice-lines"}}}
    def get_paginator(self, name):
        return Pages(lambda **request: [{"Partitions": [
            partition(["2011", "01", "04"], "s3://raw/invoice-lines/year=2011/month=01/day=04"),
            partition(["2011", "01", "05"], "s3://raw/invoice-lines/year=2011/month=01/day=05/"),
            partition(["2011", "01", "06"], "s3://other/moved/day=06/"),
        ]}])
keys = {
    "raw": [
        "invoice-lines/year=2011/month=01/day=04/a.gz",
        "invoice-lines/year=2011/month=01/day=04/_SUCCESS",
        "invoice-lines/year=2011/month=01/day=04/nested/x.gz",
        "invoice-lines/year=2011/month=01/day=05/b.gz",
        "invoice-lines/year=2011/month=01/day=07/no-partition.gz",
    ],
    "other": ["moved/day=06/c.gz"],
}
calls = []
class S3:
    def get_paginator(self, name):
        def pages(Bucket, Prefix):
            calls.append([Bucket, Prefix])
            listed = [{"Key": key, "ETag": '"e"', "Size": 1} for key in keys[Bucket] if key.startswith(Prefix)]
            return [{"Contents": listed[:2]}, {"Contents": listed[2:]}]
        return Pages(pages)
partitions, objects = job.archive_objects(Glue(), S3(), "retail", "invoice_lines")
print(json.dumps({"partitions": partitions, "objects": objects, "calls": calls}))
`;
    const { stdout } = await run('python3', ['-c', harness, SCRIPT]);
    expect(JSON.parse(stdout)).toEqual({
      partitions: 3,
      objects: [
        { url: 's3://other/moved/day=06/c.gz', etag: 'e', bytes: 1, partition: '2011/01/06' },
        { url: 's3://raw/invoice-lines/year=2011/month=01/day=04/a.gz', etag: 'e', bytes: 1, partition: '2011/01/04' },
        { url: 's3://raw/invoice-lines/year=2011/month=01/day=05/b.gz', etag: 'e', bytes: 1, partition: '2011/01/05' },
      ],
      calls: [
        ['raw', 'invoice-lines/'],
        ['other', 'moved/day=06/'],
      ],
    });
  });

  it('is the script the job runs, uploaded by the deploy with the file it reads, under the keys the job names', async () => {
    const serverless = await readFile(path.join(REPOSITORY, 'serverless.yml'), 'utf8');
    expect(serverless).toContain('source: resources/glue/load-raw-to-warehouse.py');
    expect(serverless).toContain('source: resources/warehouse/landing-columns.yml');
    expect(JSON.stringify(job.Command.ScriptLocation)).toContain('/glue/load-raw-to-warehouse.py');
    expect(JSON.stringify(job.DefaultArguments['--landing_columns_location'])).toContain('/glue/landing-columns.yml');
  });
});
