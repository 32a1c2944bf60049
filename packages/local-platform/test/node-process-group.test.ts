import path from 'node:path';
import { NodeProcessGroup } from '../src/node-process-group';

const DYING_WORDS_PROCESS = path.join(__dirname, 'fixtures', 'dying-words-process.mjs');

function startDying(wordsAfterMs: number) {
  return new NodeProcessGroup({
    name: 'dying',
    script: DYING_WORDS_PROCESS,
    args: [String(wordsAfterMs)],
    env: process.env,
  });
}

describe('a node process group', () => {
  it('ends once the pipes have given up what was printed before the exit: the exit line can quote the dying words', async () => {
    const child = startDying(300);
    try {
      await expect(child.exited).resolves.toEqual({ code: 1, signal: null });
      expect(child.outputTail().split('\n')).toEqual(['started', 'PostgreSQL (pid 1) exited (signal SIGKILL).']);
    } finally {
      await child.stop();
    }
  });

  it('does not wait on a pipe that something it spawned keeps open', async () => {
    const child = startDying(60_000);
    try {
      await expect(child.exited).resolves.toEqual({ code: 1, signal: null });
      expect(child.outputTail()).toBe('started');
    } finally {
      await child.stop();
    }
  });
});
