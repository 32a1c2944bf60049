import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

// The Glue job as `npm run deploy` would create it (root stack packaged offline) against the script it runs.
const run = promisify(execFile);
const SERVERLESS_CLI = require.resolve('serverless/bin/serverless.js');
const REPOSITORY = path.resolve(__dirname, '../..');
const SCRIPT = path.join(REPOSITORY, 'resources', 'glue', 'load-raw-to-warehouse.py');
// Set by Glue itself, or read by Glue rather than the script.
const GLUE_OWN_ARGUMENTS = ['JOB_NAME'];
const GLUE_READ_ARGUMENTS = ['--job-bookmark-option'];

interface GlueJob {
  Type: string;
  Properties: { Command: { ScriptLocation: unknown }; DefaultArguments: Record<string, unknown> };
}

let job: GlueJob['Properties'];
let directory: string;

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
  it('compiles', async () => {
    const compiled = path.join(directory, 'load-raw-to-warehouse.pyc');
    await run('python3', [
      '-c',
      'import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)',
      SCRIPT,
      compiled,
    ]);
  });

  it("reads exactly the job's DefaultArguments with getResolvedOptions", async () => {
    const source = await readFile(SCRIPT, 'utf8');
    expect(source).toContain('getResolvedOptions(sys.argv, ARGUMENTS)');
    // The ARGUMENTS literal, read by Python's own parser.
    const { stdout } = await run('python3', [
      '-c',
      'import ast, json, sys; tree = ast.parse(open(sys.argv[1]).read()); ' +
        'print(json.dumps(next(ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign) and n.targets[0].id == "ARGUMENTS")))',
      SCRIPT,
    ]);
    const resolved = (JSON.parse(stdout) as string[]).filter((name) => !GLUE_OWN_ARGUMENTS.includes(name)).sort();
    const declared = Object.keys(job.DefaultArguments)
      .filter((name) => !GLUE_READ_ARGUMENTS.includes(name))
      .map((name) => name.replace(/^--/, ''))
      .sort();
    expect(resolved).toEqual(declared);
    expect(job.DefaultArguments['--job-bookmark-option']).toBe('job-bookmark-enable');
  });

  it('is the script the job runs, uploaded by the deploy under the key the job names', async () => {
    const serverless = await readFile(path.join(REPOSITORY, 'serverless.yml'), 'utf8');
    expect(serverless).toContain('source: resources/glue/load-raw-to-warehouse.py');
    expect(JSON.stringify(job.Command.ScriptLocation)).toContain('/glue/load-raw-to-warehouse.py');
  });
});
