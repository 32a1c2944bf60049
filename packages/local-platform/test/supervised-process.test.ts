import path from 'node:path';
import { eventually } from '@retail/test-support';
import { NodeProcessGroup, isProcessGroupAlive } from '../src/node-process-group';
import { SupervisedProcess } from '../src/supervised-process';

const LISTENING_PROCESS = path.join(__dirname, 'fixtures', 'listening-process.mjs');

/** A supervised stand-in for an emulator, restarted on the port it first got; what it says is kept in `lines`. */
async function startListeningProcess(maxRestarts: number) {
  // Set to make every later start fail the way a taken port does (the process exits before it listens).
  const restarts = { fail: false };
  const lines: string[] = [];
  const reasons: string[] = [];
  let port = 0;
  const supervised = await SupervisedProcess.start(
    {
      name: 'listener',
      where: () => `127.0.0.1:${port}`,
      remedy: 'Free the port and start again.',
      supervision: {
        log: { alert: (message) => lines.push(message) },
        giveUp: (reason) => reasons.push(reason),
        policy: { maxRestarts, firstDelayMs: 20 },
      },
      start: async (signal) => {
        const child = new NodeProcessGroup({
          name: 'listener',
          script: LISTENING_PROCESS,
          args: [restarts.fail ? 'not-a-port' : String(port)],
          env: process.env,
        });
        try {
          const [, reported] = await child.waitForLine(/^listening (\d+)$/, 10_000, signal);
          port = Number(reported);
          return child;
        } catch (error) {
          await child.stop();
          throw error;
        }
      },
    },
    new AbortController().signal,
  );
  const answer = async () => Number(await (await fetch(`http://127.0.0.1:${port}/`)).text());
  return { supervised, lines, reasons, port: () => port, answer, restarts };
}

describe('a supervised process', () => {
  it('says at once that it died, how, and what it last printed, then comes back on the same port', async () => {
    const { supervised, lines, reasons, port, answer } = await startListeningProcess(2);
    try {
      const firstPort = port();
      const first = supervised.pid;
      await expect(answer()).resolves.toBe(first);

      process.kill(first, 'SIGKILL');
      await eventually(() => expect(lines.some((line) => line.includes('is back'))).toBe(true), { timeoutMs: 20_000 });
      expect(lines[0]).toBe(
        `listener (pid ${first}) exited (signal SIGKILL); restarting it on 127.0.0.1:${firstPort} in 0.02 s (restart 1 of 2).` +
          ' Its last lines:\n    | a line it printed before it died\n    | listening ' +
          firstPort,
      );
      expect(lines[1]).toBe(`listener is back on 127.0.0.1:${firstPort} (pid ${supervised.pid}).`);
      expect(port()).toBe(firstPort);
      expect(supervised.pid).not.toBe(first);
      await expect(answer()).resolves.toBe(supervised.pid);
      expect(reasons).toEqual([]);
    } finally {
      await supervised.stop();
    }
    expect(isProcessGroupAlive(supervised.pid)).toBe(false);
  });

  it('gives up once it keeps dying, saying what to do, and leaves nothing running', async () => {
    const { supervised, lines, reasons } = await startListeningProcess(1);
    try {
      process.kill(supervised.pid, 'SIGKILL');
      await eventually(() => expect(lines.some((line) => line.includes('is back'))).toBe(true), { timeoutMs: 20_000 });
      const second = supervised.pid;
      process.kill(second, 'SIGKILL');
      await eventually(() => expect(reasons).toHaveLength(1), { timeoutMs: 20_000 });
      expect(reasons[0]).toBe(
        'listener stopped 2 times within 5 minutes, so the local platform stops: restarting it does not help. ' +
          'Free the port and start again.',
      );
      expect(lines.at(-1)).toMatch(
        new RegExp(`^listener \\(pid ${second}\\) exited \\(signal SIGKILL\\)\\. Its last lines:`),
      );
      expect(isProcessGroupAlive(second)).toBe(false);
    } finally {
      await supervised.stop();
    }
  });

  it('counts a restart that cannot start as another exit', async () => {
    const { supervised, lines, reasons, restarts } = await startListeningProcess(2);
    try {
      restarts.fail = true;
      process.kill(supervised.pid, 'SIGKILL');
      await eventually(() => expect(reasons).toHaveLength(1), { timeoutMs: 30_000 });
      const failedStarts = lines.filter((line) => line.startsWith('listener did not start again: listener exited'));
      expect(failedStarts).toHaveLength(2);
      expect(failedStarts[0]).toContain('ERR_SOCKET_BAD_PORT');
      expect(lines.filter((line) => line.startsWith('listener: restarting it on'))).toHaveLength(1);
      expect(reasons[0]).toMatch(/^listener stopped 3 times within 5 minutes/);
    } finally {
      await supervised.stop();
    }
  });
});
