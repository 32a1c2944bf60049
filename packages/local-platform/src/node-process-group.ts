import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface NodeProcessGroupOptions {
  /** Shown in errors, e.g. "kinesalite" or "service ingest". */
  name: string;
  script: string;
  args?: string[];
  /** Node flags before the script, e.g. ['--import', tsxLoader]. */
  nodeOptions?: readonly string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Preloaded into every child: if this process dies without stopping it (SIGKILL, crash), the child sees its parent
// change and terminates its whole process group, so nothing is left holding ports or LevelDB locks.
const ORPHAN_WATCHDOG = `data:text/javascript,${encodeURIComponent(
  'const p=process.ppid;setInterval(()=>{if(process.ppid!==p)try{process.kill(-process.pid,"SIGTERM")}catch{}},1e3).unref()',
)}`;

const OUTPUT_TAIL_LINES = 40;
const STOP_GRACE_MS = 5_000;
const OUTPUT_DRAIN_MS = 1_000;

// Process groups still running, killed as this process exits even if nobody called stop().
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * A Node child process in its own process group: stop() ends it and anything it spawned (esbuild, workers), and the
 * terminal's Ctrl-C reaches only us, so the platform stops its parts in order.
 */
export class NodeProcessGroup {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  private readonly tail: string[] = [];
  private readonly lineListeners = new Set<(line: string) => void>();
  private exitStatus: ExitStatus | undefined;

  constructor(private readonly options: NodeProcessGroupOptions) {
    const child = spawn(
      process.execPath,
      [...(options.nodeOptions ?? []), '--import', ORPHAN_WATCHDOG, options.script, ...(options.args ?? [])],
      {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (child.pid === undefined)
      throw new Error(`Could not start ${options.name}: no process id (is ${process.execPath} executable?).`);
    this.pid = child.pid;
    liveGroups.add(this.pid);
    installExitHook();
    const outputRead = Promise.all(
      [child.stdout, child.stderr].map((stream) => {
        const lines = createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.receive(line));
        return new Promise<void>((resolve) => lines.once('close', resolve));
      }),
    );
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        this.receive(`could not run: ${error.message}`);
        this.exitStatus = { code: -1, signal: null };
        resolve(this.exitStatus);
      });
      child.on('exit', (code, signal) => {
        // 'exit' can come before the pipes have given up the process's last lines (its dying words, which the exit
        // line quotes): wait for them, though not for a grandchild that inherited a pipe and lives on.
        void Promise.race([outputRead, sleep(OUTPUT_DRAIN_MS)]).then(() => {
          this.exitStatus = { code, signal };
          resolve(this.exitStatus);
        });
      });
    });
  }

  get name(): string {
    return this.options.name;
  }

  get hasExited(): boolean {
    return this.exitStatus !== undefined;
  }

  /** The last lines the process printed, for error messages. */
  outputTail(): string {
    return this.tail.join('\n');
  }

  /** Resolves with the first output line matching `pattern`; rejects if the process exits first, time runs out or `signal` aborts. */
  waitForLine(pattern: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const onAbort = () => finish(() => reject(signal?.reason));
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        this.lineListeners.delete(listener);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const listener = (line: string) => {
        const match = pattern.exec(line);
        if (match) finish(() => resolve(match));
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new Error(
                `${this.name} was not ready after ${timeoutMs / 1000} s. Its last output:\n${this.outputTail()}`,
              ),
            ),
          ),
        timeoutMs,
      );
      this.lineListeners.add(listener);
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort);
      void this.exited.then((status) =>
        finish(() =>
          reject(
            new Error(
              `${this.name} exited (${describeExit(status)}) before it was ready. Its last output:\n${this.outputTail()}`,
            ),
          ),
        ),
      );
    });
  }

  /** SIGTERM to the group, SIGKILL after a grace period, then SIGKILL to whatever the group still holds. */
  async stop(graceMs: number = STOP_GRACE_MS): Promise<void> {
    if (!this.hasExited) {
      signalGroup(this.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
      if ((await Promise.race([this.exited, timedOut])) === 'timeout') signalGroup(this.pid, 'SIGKILL');
      clearTimeout(timer);
      await this.exited;
    }
    signalGroup(this.pid, 'SIGKILL');
    // What the leader spawned dies with the SIGKILL, but only leaves the process table once reaped: wait for that.
    for (let waited = 0; isProcessGroupAlive(this.pid) && waited < GROUP_REAP_TIMEOUT_MS; waited += 20) await sleep(20);
    liveGroups.delete(this.pid);
  }

  private receive(line: string): void {
    this.tail.push(line);
    if (this.tail.length > OUTPUT_TAIL_LINES) this.tail.shift();
    this.options.onLine?.(line);
    for (const listener of [...this.lineListeners]) listener(line);
  }
}

/** True while any process of the group (the leader or what it spawned) is alive. */
const GROUP_REAP_TIMEOUT_MS = 5_000;

export function isProcessGroupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch (error) {
    // ESRCH: the group is already empty.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const groupId of liveGroups) signalGroup(groupId, 'SIGKILL');
  });
}

export function describeExit({ code, signal }: ExitStatus): string {
  return signal === null ? `exit code ${code}` : `signal ${signal}`;
}
