import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PORT_VARIABLES, readStackFile, type StackFile } from '@retail/local-platform';
import { FIREHOSE_BUFFER_INTERVAL_VARIABLE } from '@retail/local-platform/firehose';
import { waitForReconciliation } from '@retail/cli';
import { readWholeStream } from './support/kinesis-stream-contents';
import { runCli } from './support/run-cli';
import { REPO_ROOT, SAMPLE_FILE } from './support/sample-lines';

// `npm start` as a user runs it, in its own process, on free ports and a state directory of its own.
function startPlatformProcess(stateDir: string, fresh: boolean): ChildProcess {
  // Every port the platform opens, the warehouse's, the Data API's and Glue's included, so it runs beside `npm start`.
  const freePorts = Object.fromEntries(Object.values(PORT_VARIABLES).map(({ variable }) => [variable, '0']));
  return spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'packages/local-platform/src/start.ts'), ...(fresh ? ['--fresh'] : [])],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...freePorts, RETAIL_STATE_DIR: stateDir, [FIREHOSE_BUFFER_INTERVAL_VARIABLE]: '2' },
      stdio: 'ignore',
    },
  );
}

async function waitForStack(stateDir: string, platform: ChildProcess): Promise<StackFile> {
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (platform.exitCode !== null)
      throw new Error(`the platform exited with ${platform.exitCode} before it was ready`);
    const stack = await readStackFile(path.join(stateDir, 'stack.json')).catch(() => undefined);
    if (stack) return stack;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('the platform was not ready in 5 minutes');
}

function killHard(platform: ChildProcess, stack: StackFile): void {
  platform.kill('SIGKILL');
  for (const pid of Object.values(stack.processes)) {
    try {
      process.kill(-pid, 'SIGKILL'); // each child runs in its own process group
    } catch {
      // already gone with its parent
    }
  }
}

let stateDir: string;
let platform: ChildProcess | undefined;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-crash-'));
});

afterAll(async () => {
  if (platform && platform.exitCode === null) {
    const exited = new Promise((resolve) => platform!.once('exit', resolve));
    platform.kill('SIGINT');
    await exited;
  }
  await rm(stateDir, { recursive: true, force: true });
});

describe('crash safety', () => {
  it('loses nothing and counts nothing twice when the whole platform is killed hard in the middle of a load', async () => {
    platform = startPlatformProcess(stateDir, true);
    const first = await waitForStack(stateDir, platform);
    const interrupted = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'packages/cli/src/load/load.ts'),
        SAMPLE_FILE,
        '--batch-size',
        '100',
        '--concurrency',
        '2',
        '--api-url',
        first.apiUrl,
        '--api-key',
        first.apiKey,
      ],
      { cwd: REPO_ROOT, stdio: 'ignore' },
    );
    // Kill once part of the sample is on the stream and the consumers are busy with it.
    for (let seen = 0; seen < 1_000; seen = (await readWholeStream(first)).length)
      await new Promise((resolve) => setTimeout(resolve, 200));
    killHard(platform, first);
    interrupted.kill('SIGKILL');
    // Killed for real: the first run's Kinesis emulator no longer answers.
    await expect(readWholeStream(first)).rejects.toThrow();

    platform = startPlatformProcess(stateDir, false);
    const second = await waitForStack(stateDir, platform);
    // The state survived: the stream still holds what was put on it before the crash.
    expect((await readWholeStream(second)).length).toBeGreaterThanOrEqual(1_000);

    // The loader re-sends the file; the line ids make the rows it had already sent harmless.
    const finished = await runCli('packages/cli/src/load/load.ts', [
      SAMPLE_FILE,
      '--api-url',
      second.apiUrl,
      '--api-key',
      second.apiKey,
    ]);
    expect(finished.code).toBe(0);
    const report = await waitForReconciliation({ file: SAMPLE_FILE, stack: second, timeoutMs: 180_000 });
    expect(report.differences).toEqual([]);
    // Every sink was compared, the warehouse's fact table included: each line once, by line id.
    expect(report.notChecked).toEqual([]);
    expect(report.warehouse?.factRows).toBe(report.source.rows);
  }, 900_000);
});
