import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { LocalJobDefinition } from './glue-resource-definitions';

/**
 * A Python shell job run as the local Glue runs it: the job's script under python3, its arguments as Glue passes them
 * ("--key value" pairs in sys.argv: the job's DefaultArguments, the run's Arguments over them, then Glue's own
 * --JOB_ID, --JOB_RUN_ID and --JOB_NAME), the platform's AWS_ENDPOINT_URL_* and local credentials in its environment.
 * Its standard output and error, in the order they come, are the run's log; its exit decides SUCCEEDED or FAILED, and
 * the last line it wrote to standard error is the run's ErrorMessage.
 */
export interface JobRunFiles {
  /** `<glue state>/job-runs/<job>/<run id>/`. */
  directory: string;
  /** The script as the run fetched it from its ScriptLocation. */
  script: string;
  /** What the script wrote, standard output and error interleaved as they came. */
  log: string;
  /** `{pid, script, log}` of the run's python3 process, written once it runs. */
  process: string;
}

export function jobRunFiles(glueStateDir: string, job: string, runId: string): JobRunFiles {
  const directory = path.join(glueStateDir, 'job-runs', job, runId);
  return {
    directory,
    script: path.join(directory, 'script.py'),
    log: path.join(directory, 'run.log'),
    process: path.join(directory, 'process.json'),
  };
}

export type PythonShellRunState = 'SUCCEEDED' | 'FAILED' | 'TIMEOUT';

export interface PythonShellRunOutcome {
  state: PythonShellRunState;
  errorMessage?: string;
}

export interface PythonShellRun {
  /** Undefined when python3 could not be started (the outcome says why). */
  pid: number | undefined;
  finished: Promise<PythonShellRunOutcome>;
  /** Ends the process (SIGTERM); the outcome is FAILED with `reason`. */
  stop(reason: string): void;
}

// Glue's ErrorMessage is at most 2,048 bytes (JobRun structure); a long last line is cut, not lost in the log.
const ERROR_MESSAGE_MAX = 2048;
const INSTALL = 'install Python 3.9 or later and boto3 1.28 or later (`pip install boto3`)';

/** sys.argv after the script, as Glue builds it for a run. */
export function glueArgv(
  job: LocalJobDefinition,
  run: { id: string; arguments: Readonly<Record<string, string>> },
): string[] {
  const declared = { ...job.defaultArguments, ...run.arguments };
  const glueOwn = { '--JOB_ID': `j_${job.name}`, '--JOB_RUN_ID': run.id, '--JOB_NAME': job.name };
  return Object.entries({ ...declared, ...glueOwn })
    .filter(([key]) => key.startsWith('--'))
    .flatMap(([key, value]) => [key, value]);
}

/** Starts `python script argv...`, logging to files.log (after `header`, the local Glue's own lines). */
export async function startPythonShellRun(options: {
  python: string;
  files: JobRunFiles;
  argv: readonly string[];
  environment: NodeJS.ProcessEnv;
  timeoutMs: number;
  header: readonly string[];
}): Promise<PythonShellRun> {
  const { files } = options;
  await mkdir(files.directory, { recursive: true });
  const log = createWriteStream(files.log, { flags: 'a' });
  for (const line of options.header) log.write(`local Glue: ${line}\n`);
  const child = spawn(options.python, [files.script, ...options.argv], {
    env: { ...options.environment, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errorTail = '';
  let stopReason: string | undefined;
  let timedOut = false;
  child.stdout.on('data', (chunk: Buffer) => log.write(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    log.write(chunk);
    errorTail = (errorTail + chunk.toString('utf8')).slice(-16 * 1024);
  });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  timer.unref();
  const finished = new Promise<PythonShellRunOutcome>((resolve) => {
    let ended = false;
    // A process that cannot start emits 'error' and then 'close': the first says why.
    const end = (outcome: PythonShellRunOutcome) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      const closing =
        outcome.errorMessage === undefined ? '' : `local Glue: ${outcome.state}: ${outcome.errorMessage}\n`;
      log.end(closing, () => resolve(outcome));
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      end({
        state: 'FAILED',
        errorMessage:
          error.code === 'ENOENT'
            ? `${options.python} is not on PATH: the job's script runs under python3 (${INSTALL}).`
            : `${options.python} could not start: ${error.message}`,
      }),
    );
    child.once('close', (code, signal) => {
      if (code === 0) return end({ state: 'SUCCEEDED' });
      const lastLine = lastLineOf(errorTail);
      if (timedOut)
        return end({
          state: 'TIMEOUT',
          errorMessage: `The run exceeded the job's Timeout: stopped (${lastLine || 'no error output'}).`,
        });
      if (stopReason !== undefined) return end({ state: 'FAILED', errorMessage: stopReason });
      if (signal !== null)
        return end({ state: 'FAILED', errorMessage: `The script's process was killed by ${signal}.` });
      end({
        state: 'FAILED',
        errorMessage: cut(lastLine === '' ? `The script ended with exit code ${code}.` : lastLine),
      });
    });
  });
  return {
    pid: child.pid,
    finished,
    stop: (reason) => {
      stopReason = reason;
      child.kill('SIGTERM');
    },
  };
}

function lastLineOf(text: string): string {
  const lines = text.split('\n').map((line) => line.trim());
  return lines.filter((line) => line !== '').at(-1) ?? '';
}

function cut(message: string): string {
  return Buffer.byteLength(message) <= ERROR_MESSAGE_MAX ? message : `${message.slice(0, ERROR_MESSAGE_MAX - 3)}...`;
}
