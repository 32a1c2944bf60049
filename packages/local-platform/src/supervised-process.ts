import { setTimeout as sleep } from 'node:timers/promises';
import type { ExitStatus, NodeProcessGroup } from './node-process-group';
import { describeExit } from './node-process-group';
import type { PlatformLog } from './platform-log';

/** What a component needs to bring its processes back: where to say so, and whom to tell when it gives up. */
export interface Supervision {
  log: Pick<PlatformLog, 'alert'>;
  /** Stops the whole platform, saying why (the process keeps dying). */
  giveUp(reason: string): void;
  policy?: Partial<RestartPolicy>;
}

export interface RestartPolicy {
  /** Restarts allowed within `windowMs`; one more exit stops the platform. */
  maxRestarts: number;
  windowMs: number;
  /** Before the first restart; doubles for each further one within the window. */
  firstDelayMs: number;
}

// "A few times with backoff": 1, 2 and 4 s; a process that then dies a fourth time within 5 minutes has a cause a
// restart will not fix.
export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxRestarts: 3, windowMs: 5 * 60_000, firstDelayMs: 1_000 };
// The exit line quotes this many of the last lines the process printed.
const QUOTED_LINES = 8;

export interface SupervisedProcessOptions {
  /** Names it in every line, e.g. "dynalite" or "service ingest". */
  name: string;
  /** Where it comes back, e.g. "127.0.0.1:4568 with its state in .local/dynamodb" (known once it first listens). */
  where: () => string;
  /** What a user should do once it keeps dying, e.g. "Check .local/dynamodb, or npm start -- --fresh". */
  remedy: string;
  /** Starts the process and resolves once it is ready (again, on the same port and state). */
  start(signal: AbortSignal): Promise<NodeProcessGroup>;
  supervision: Supervision;
}

/**
 * A child process of the platform that is restarted when it dies: one line names it, its exit and its last output
 * at once, it comes back with backoff, and after too many exits in a row the platform is stopped with what to do.
 */
export class SupervisedProcess {
  private current: NodeProcessGroup;
  private stopping = false;
  private readonly stopController = new AbortController();
  private recovering: Promise<void> | undefined;
  private exits: number[] = [];
  private readonly policy: RestartPolicy;

  private constructor(
    private readonly options: SupervisedProcessOptions,
    first: NodeProcessGroup,
  ) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.supervision.policy };
    this.current = first;
    this.watch(first);
  }

  static async start(options: SupervisedProcessOptions, signal: AbortSignal): Promise<SupervisedProcess> {
    return new SupervisedProcess(options, await options.start(signal));
  }

  /** The process running now (a restart gives a new one). */
  get pid(): number {
    return this.current.pid;
  }

  /** Stops the process (and any restart under way); the state stays. */
  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    this.stopController.abort();
    await this.recovering;
    await this.current.stop(graceMs);
  }

  private watch(child: NodeProcessGroup): void {
    void child.exited.then((status) => {
      if (this.stopping || child !== this.current) return;
      this.recovering = this.recover(child, status);
    });
  }

  private async recover(child: NodeProcessGroup, status: ExitStatus): Promise<void> {
    const { name, supervision } = this.options;
    const where = this.options.where();
    const exit = `${name} (pid ${child.pid}) exited (${describeExit(status)})`;
    const lastLines = quote(child.outputTail());
    for (let first = true; ; first = false) {
      const now = Date.now();
      this.exits = [...this.exits.filter((at) => now - at < this.policy.windowMs), now];
      const restart = this.exits.length;
      if (restart > this.policy.maxRestarts) {
        if (first) supervision.log.alert(`${exit}.${lastLines}`);
        supervision.giveUp(
          `${name} stopped ${restart} times within ${Math.round(this.policy.windowMs / 60_000)} minutes, so the local ` +
            `platform stops: restarting it does not help. ${this.options.remedy}`,
        );
        return;
      }
      const delayMs = this.policy.firstDelayMs * 2 ** (restart - 1);
      const plan = `restarting it on ${where} in ${delayMs / 1000} s (restart ${restart} of ${this.policy.maxRestarts})`;
      // Said before anything is awaited: the line comes as soon as the exit does.
      supervision.log.alert(first ? `${exit}; ${plan}.${lastLines}` : `${name}: ${plan}.`);
      try {
        // Whatever it spawned (postgres under the warehouse's node) goes too, so the port and the state are free.
        if (first) await child.stop();
        await sleep(delayMs, undefined, { signal: this.stopController.signal });
        const next = await this.options.start(this.stopController.signal);
        if (this.stopping) {
          await next.stop();
          return;
        }
        this.current = next;
        this.watch(next);
        supervision.log.alert(`${name} is back on ${where} (pid ${next.pid}).`);
        return;
      } catch (error) {
        if (this.stopping) return;
        supervision.log.alert(`${name} did not start again: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

function quote(tail: string): string {
  const lines = tail.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) return ' It printed nothing.';
  return ` Its last lines:\n${lines
    .slice(-QUOTED_LINES)
    .map((line) => `    | ${line}`)
    .join('\n')}`;
}
