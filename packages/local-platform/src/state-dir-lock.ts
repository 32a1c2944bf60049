import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './stack-file';

export const LOCK_FILE_NAME = 'platform.pid';

export interface StateDirLock {
  release(): Promise<void>;
}

/**
 * Claims the state directory for this process from the first moment of start-up (stack.json only appears once
 * everything runs): two platforms on one directory would fight over its LevelDB locks and `--fresh` would delete
 * the other's state.
 */
export async function lockStateDir(stateDir: string): Promise<StateDirLock> {
  const lockFile = path.join(stateDir, LOCK_FILE_NAME);
  await mkdir(stateDir, { recursive: true });
  for (let attempt = 0; ; attempt += 1) {
    try {
      await writeFile(lockFile, `${process.pid}\n`, { flag: 'wx' });
      return { release: () => rm(lockFile, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
    }
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder)) {
      throw new Error(
        `A local platform (pid ${holder}) already runs on ${stateDir}: stop it with Ctrl-C, or use another state directory.`,
      );
    }
    // Left by a platform that was killed: take it over.
    await rm(lockFile, { force: true });
  }
}
