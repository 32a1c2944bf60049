import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { RepeatedLines } from './repeated-lines';

/**
 * Where the platform reports progress. Every line goes to the log file under the state directory; the terminal gets
 * the first of each kind of error and then a count per window (repeated-lines.ts); quiet (tests) keeps only warnings.
 */
export interface PlatformLog {
  info(message: string): void;
  /** A problem; the terminal shows the first of a kind, then how many more came (repeated-lines.ts). */
  warn(message: string): void;
  /** A warning always shown in full: a process died, came back, or the platform gives up. */
  alert(message: string): void;
  /** A line a service printed (requests, handler logs). */
  serviceOutput(service: string, line: string): void;
  /** Counts of repeated errors name the component at this address, e.g. `127.0.0.1:4568 (dynalite)`. */
  nameAddress(address: string, name: string): void;
}

export interface PlatformLogWithFile extends PlatformLog {
  /** From now on every line also goes to `file` (the lines logged before too). */
  attachFile(file: string): void;
  /** Prints the counts still pending and closes the file. */
  close(): void;
}

/** The log file in the state directory, named in the banner. */
export const PLATFORM_LOG_FILE_NAME = 'platform.log';
// One old file is kept beside it (platform.log.1): the log of a platform that runs for days stays bounded.
const MAX_LOG_FILE_BYTES = 64 * 1024 * 1024;
// Lines logged before the file is attached (the state directory may be emptied by --fresh first).
const MAX_EARLY_LINES = 1_000;
/**
 * A terminal or pipe that reads slower than the platform writes (a paused terminal, `npm start | less`) makes Node
 * queue the writes in memory; beyond this, lines are only written to the file and the terminal is told how many.
 */
const MAX_PENDING_TERMINAL_BYTES = 1024 * 1024;

/** `quiet`: warnings only on the terminal; 'silent': nothing (tests that make processes die on purpose). */
export function createPlatformLog(quiet: boolean | 'silent'): PlatformLogWithFile {
  const file = new LogFile();
  const stdout = new BoundedTerminal(process.stdout, file);
  const stderr = new BoundedTerminal(process.stderr, file);
  const repeated = new RepeatedLines({ print: (line) => stderr.write(line) });
  const serviceLines = new RepeatedLines({ print: (line) => stdout.write(line) });
  const timer = setInterval(() => {
    repeated.flush();
    serviceLines.flush();
  }, 1_000);
  timer.unref();
  return {
    info: (message) => {
      file.write(message);
      if (!quiet) stdout.write(message);
    },
    warn: (message) => {
      file.write(`warning: ${message}`);
      if (quiet !== 'silent') repeated.warning(message, `warning: ${message}`);
    },
    alert: (message) => {
      file.write(`warning: ${message}`);
      if (quiet !== 'silent') stderr.write(`warning: ${message}`);
    },
    serviceOutput: (service, line) => {
      file.write(`[${service}] ${line}`);
      if (!quiet) serviceLines.serviceLine(service, line, `[${service}] ${line}`);
    },
    nameAddress: (address, name) => {
      repeated.nameAddress(address, name);
      serviceLines.nameAddress(address, name);
    },
    attachFile: (path) => file.attach(path),
    close: () => {
      clearInterval(timer);
      repeated.flush(true);
      serviceLines.flush(true);
      file.close();
    },
  };
}

/** Appends each line with its time, synchronously (nothing queues in memory), switching files past a size. */
class LogFile {
  private path: string | undefined;
  private descriptor: number | undefined;
  private bytes = 0;
  private early: string[] | undefined = [];

  get name(): string | undefined {
    return this.path;
  }

  attach(path: string): void {
    this.close();
    this.path = path;
    this.descriptor = openSync(path, 'a');
    this.bytes = 0;
    for (const line of this.early ?? []) this.append(line);
    this.early = undefined;
  }

  write(text: string): void {
    const line = `${new Date().toISOString()} ${text}\n`;
    if (this.descriptor === undefined) {
      if (this.early !== undefined && this.early.length < MAX_EARLY_LINES) this.early.push(line);
      return;
    }
    this.append(line);
  }

  close(): void {
    if (this.descriptor !== undefined) closeSync(this.descriptor);
    this.descriptor = undefined;
  }

  private append(line: string): void {
    if (this.descriptor === undefined || this.path === undefined) return;
    try {
      if (this.bytes > MAX_LOG_FILE_BYTES) {
        closeSync(this.descriptor);
        renameSync(this.path, `${this.path}.1`);
        this.descriptor = openSync(this.path, 'a');
        this.bytes = 0;
      }
      this.bytes += writeSync(this.descriptor, line);
    } catch {
      // A full or vanished disk must not stop the platform: the terminal still shows what matters.
    }
  }
}

/** Writes lines to a terminal stream unless too much is already queued for it; then counts what it left out. */
class BoundedTerminal {
  private leftOut = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly file: LogFile,
  ) {}

  write(line: string): void {
    if (this.stream.writableLength > MAX_PENDING_TERMINAL_BYTES) {
      this.leftOut += 1;
      return;
    }
    if (this.leftOut > 0) {
      const where = this.file.name ?? 'the log file';
      this.stream.write(
        `(${this.leftOut.toLocaleString('en-US')} lines not shown: the terminal read slower than they came; every line is in ${where})\n`,
      );
      this.leftOut = 0;
    }
    this.stream.write(`${line}\n`);
  }
}
