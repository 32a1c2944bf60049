import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { PORT_VARIABLES, readStackFile, type StackFile } from '@retail/local-platform';
import { REPO_ROOT } from './sample-lines';

export interface PrintedLine {
  stream: 'stdout' | 'stderr';
  text: string;
  /** When it was read (Date.now()). */
  at: number;
}

export interface PlatformProcess {
  child: ChildProcess;
  /** Every line `npm start` printed so far, stdout and stderr as a terminal shows them, in the order they came. */
  printed: PrintedLine[];
  /** Resolves with stack.json once the platform is ready; rejects if it exits first or takes over 5 minutes. */
  ready: Promise<StackFile>;
  /** Ctrl-C, then waits for it to exit; resolves with its exit code (at once if it has already exited). */
  stop(): Promise<number | null>;
}

/**
 * `npm start -- --fresh` as a user runs it, in its own process, on free ports (every one, so it runs beside any
 * other platform) and the given state directory; `env` adds to the environment (RETAIL_* settings).
 */
export function startPlatformProcess(stateDir: string, env: NodeJS.ProcessEnv = {}): PlatformProcess {
  const freePorts = Object.fromEntries(Object.values(PORT_VARIABLES).map(({ variable }) => [variable, '0']));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'packages/local-platform/src/start.ts'), '--fresh'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...freePorts, RETAIL_STATE_DIR: stateDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const printed: PrintedLine[] = [];
  for (const stream of ['stdout', 'stderr'] as const)
    createInterface({ input: child[stream]!, crlfDelay: Infinity }).on('line', (text) =>
      printed.push({ stream, text, at: Date.now() }),
    );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = (async () => {
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `npm start exited (${child.exitCode ?? child.signalCode}) before it was ready:\n` +
            printed.map(({ text }) => text).join('\n'),
        );
      const stack = await readStackFile(path.join(stateDir, 'stack.json')).catch(() => undefined);
      if (stack !== undefined && stack.pid === child.pid) return stack;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error('npm start was not ready in 5 minutes');
  })();
  ready.catch(() => undefined); // the caller awaits it
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return exited;
  };
  return { child, printed, ready, stop };
}
