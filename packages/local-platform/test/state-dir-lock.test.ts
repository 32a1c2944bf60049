import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCK_FILE_NAME, lockStateDir } from '../src/state-dir-lock';

describe('lockStateDir', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-lock-'));
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('lets one platform at a time claim a state directory, and frees it on release', async () => {
    const lock = await lockStateDir(stateDir);
    await expect(readFile(path.join(stateDir, LOCK_FILE_NAME), 'utf8')).resolves.toBe(`${process.pid}\n`);
    await expect(lockStateDir(stateDir)).rejects.toThrow(
      `A local platform (pid ${process.pid}) already runs on ${stateDir}`,
    );
    await lock.release();
    await (await lockStateDir(stateDir)).release();
  });

  it('takes over the lock of a platform that died without releasing it', async () => {
    // Above Linux's largest pid (2^22): no such process.
    await writeFile(path.join(stateDir, LOCK_FILE_NAME), '4194305\n');
    const lock = await lockStateDir(stateDir);
    await expect(readFile(path.join(stateDir, LOCK_FILE_NAME), 'utf8')).resolves.toBe(`${process.pid}\n`);
    await lock.release();
  });
});
