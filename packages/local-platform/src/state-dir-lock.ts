import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from './stack-file';

export const LOCK_FILE_NAME = 'platform.pid';

/** Written after the pid by a platform that has begun to stop: the next start waits for it instead of failing. */
const STOPPING_MARK = 'stopping';

export interface StateDirLock {
  /** Tells a platform starting on the same directory that this one is on its way out. */
  markStopping(): Promise<void>;
  release(): Promise<void>;
}

export interface LockOptions {
  /** Called once when the directory is held by a platform that is stopping. */
  onWaitForStopping?: (pid: number) => void;
  /** How long to wait for a stopping platform (stopping every child process takes a few seconds). */
  stoppingTimeoutMs?: number;
  pollIntervalMs?: number;
}

interface LockHolder {
  pid: number;
  stopping: boolean;
}

/**
 * Claims the state directory for this process from the first moment of start-up (stack.json only appears once
 * everything runs): two platforms on one directory would fight over its LevelDB locks and `--fresh` would delete
 * the other's state. A platform that is still stopping (Ctrl-C, then `npm start` at once) is waited for.
 */
export async function lockStateDir(stateDir: string, options: LockOptions = {}): Promise<StateDirLock> {
  const { onWaitForStopping, stoppingTimeoutMs = 60_000, pollIntervalMs = 200 } = options;
  const lockFile = path.join(stateDir, LOCK_FILE_NAME);
  await mkdir(stateDir, { recursive: true });
  let waitingSince: number | undefined;
  for (;;) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' });
      // Both memoised, so an abort and a stop mark once, and a mark never recreates a released lock.
      let marking: Promise<void> | undefined;
      let releasing: Promise<void> | undefined;
      const markStopping = () => (marking ??= writeFile(lockFile, `${process.pid} ${STOPPING_MARK}\n`));
      const release = () => (releasing ??= (marking ?? Promise.resolve()).then(() => rm(lockFile, { force: true })));
      return { markStopping: () => (releasing === undefined ? markStopping() : releasing), release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readLockHolder(lockFile);
    if (holder === undefined || !isProcessAlive(holder.pid)) {
      // Left by a platform that was killed (or released between our two reads): take it over.
      await rm(lockFile, { force: true });
      continue;
    }
    if (!holder.stopping) {
      throw new Error(
        `A local platform (pid ${holder.pid}) already runs on ${stateDir}: stop it with Ctrl-C, or use another state directory.`,
      );
    }
    if (waitingSince === undefined) {
      waitingSince = Date.now();
      onWaitForStopping?.(holder.pid);
    } else if (Date.now() - waitingSince > stoppingTimeoutMs) {
      throw new Error(
        `The local platform (pid ${holder.pid}) on ${stateDir} has been stopping for ${stoppingTimeoutMs / 1000} s: ` +
          `wait for it or kill it (kill ${holder.pid}), then start again.`,
      );
    }
    await sleep(pollIntervalMs);
  }
}

async function readLockHolder(lockFile: string): Promise<LockHolder | undefined> {
  const [pidText, mark] = (await readFile(lockFile, 'utf8').catch(() => '')).trim().split(/\s+/);
  const pid = Number(pidText);
  return Number.isInteger(pid) && pid > 0 ? { pid, stopping: mark === STOPPING_MARK } : undefined;
}
