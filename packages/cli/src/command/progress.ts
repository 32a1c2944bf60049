import { statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { SingleBar } from 'cli-progress';

export interface FileProgress {
  update(counters: { rows: number; accepted?: number; rejected?: number }): void;
  stop(): void;
}

const QUIET: FileProgress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar over the bytes of the file on disk (compressed bytes for a .gz), since a streamed file's row
 * count is unknown until its end. Off when stderr is not a terminal, so logs and CI output stay clean.
 */
export function startFileProgress(path: string, stream: Readable, what: 'load' | 'dry-run'): FileProgress {
  if (!process.stderr.isTTY) return QUIET;
  const format =
    what === 'load'
      ? '{bar} {percentage}% | {rows} rows sent | {accepted} accepted | {rejected} rejected | {rate} rows/s | ETA {eta_formatted}'
      : '{bar} {percentage}% | {rows} rows checked | {rate} rows/s | ETA {eta_formatted}';
  const bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, etaBuffer: 50, fps: 5 });
  const started = performance.now();
  bar.start(statSync(path).size, 0, { rows: 0, accepted: 0, rejected: 0, rate: 0 });
  return {
    update({ rows, accepted = 0, rejected = 0 }) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(bytesConsumed(stream), {
        rows,
        accepted,
        rejected,
        rate: seconds > 0 ? Math.round(rows / seconds) : 0,
      });
    },
    stop() {
      bar.update(bytesConsumed(stream));
      bar.stop();
    },
  };
}

/** Bytes of the file read so far: a gunzip stream counts the compressed bytes it was fed, a file stream what it read. */
function bytesConsumed(stream: Readable): number {
  const counters = stream as Readable & { bytesRead?: number; bytesWritten?: number };
  return counters.bytesRead ?? counters.bytesWritten ?? 0;
}
