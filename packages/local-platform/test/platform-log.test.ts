import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createPlatformLog } from '../src/platform-log';

const SLOW_TERMINAL_WRITER = path.join(__dirname, 'fixtures', 'log-to-slow-terminal.ts');

describe('the platform log', () => {
  it('queues at most about a megabyte for a terminal that does not read, and says how many lines it left out', async () => {
    const child = spawn(
      process.execPath,
      ['--import', pathToFileURL(require.resolve('tsx')).href, SLOW_TERMINAL_WRITER],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // stdout is not read until the child has written everything: like a paused terminal.
    child.stdout.pause();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (/queued \d+\n/.test(stderr)) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stdout.resume();
    await new Promise((resolve) => child.on('close', resolve));

    const queued = Number(/queued (\d+)/.exec(stderr)?.[1]);
    // 200,000 lines are about 20 MB: all of it would have been queued in memory.
    expect(queued).toBeLessThan(2 * 1024 * 1024);
    const shown = stdout.split('\n').filter((line) => line.startsWith('line ')).length;
    expect(shown).toBeLessThan(200_000);
    expect(stdout.split('\n').slice(-3)).toEqual([
      `(${(200_000 - shown).toLocaleString('en-US')} lines not shown: the terminal read slower than they came; every line is in the log file)`,
      'after the drain',
      '',
    ]);
  });

  it('writes every line to the log file, the lines logged before it was attached too', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-platform-log-'));
    const log = createPlatformLog('silent');
    try {
      log.info('before the file');
      log.attachFile(path.join(stateDir, 'platform.log'));
      for (let invoice = 0; invoice < 3; invoice += 1)
        log.serviceOutput(
          'stream-to-dynamo',
          JSON.stringify({ level: 'ERROR', message: 'Invoice not saved', invoice }),
        );
      log.warn('a warning');
      log.alert('dynalite (pid 1) exited (signal SIGKILL)');
    } finally {
      log.close();
    }
    const lines = (await readFile(path.join(stateDir, 'platform.log'), 'utf8')).trimEnd().split('\n');
    await rm(stateDir, { recursive: true, force: true });
    expect(lines.map((line) => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ''))).toEqual([
      'before the file',
      '[stream-to-dynamo] {"level":"ERROR","message":"Invoice not saved","invoice":0}',
      '[stream-to-dynamo] {"level":"ERROR","message":"Invoice not saved","invoice":1}',
      '[stream-to-dynamo] {"level":"ERROR","message":"Invoice not saved","invoice":2}',
      'warning: a warning',
      'warning: dynalite (pid 1) exited (signal SIGKILL)',
    ]);
  });
});
