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

describe('lockStateDir with a platform that is stopping', () => {
  let stateDir: string;

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-lock-'));
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('waits for it to release the directory, then claims it', async () => {
    const stopping = await lockStateDir(stateDir);
    await stopping.markStopping();
    const waitedFor: number[] = [];
    const next = lockStateDir(stateDir, { onWaitForStopping: (pid) => waitedFor.push(pid), pollIntervalMs: 10 });
    let claimed = false;
    void next.then(() => (claimed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(claimed).toBe(false);
    expect(waitedFor).toEqual([process.pid]);
    await stopping.release();
    const lock = await next;
    await expect(readFile(path.join(stateDir, LOCK_FILE_NAME), 'utf8')).resolves.toBe(`${process.pid}\n`);
    await lock.release();
  });

  it('gives up with the pid to kill when it stops for too long', async () => {
    const stuck = await lockStateDir(stateDir);
    await stuck.markStopping();
    await expect(lockStateDir(stateDir, { stoppingTimeoutMs: 50, pollIntervalMs: 10 })).rejects.toThrow(
      `has been stopping for 0.05 s: wait for it or kill it (kill ${process.pid})`,
    );
    await stuck.release();
  });

  it('never recreates the lock file when marked after its release', async () => {
    const lock = await lockStateDir(stateDir);
    await lock.release();
    await lock.markStopping();
    await expect(readFile(path.join(stateDir, LOCK_FILE_NAME), 'utf8')).rejects.toThrow('ENOENT');
  });
});
