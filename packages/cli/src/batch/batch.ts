import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createGlueClient } from '@retail/adapters';
import { jobRunProgressFile, readStackFile, type JobRunProgress } from '@retail/local-platform';
import { SingleBar } from 'cli-progress';
import { readCommandLine } from '../command/cli-args';
import { runCommand } from '../command/command-process';
import { StackConfigError } from '../load/stack-config';
import { BATCH_USAGE, parseBatchArgs } from './batch-args';
import { BatchSetupError, formatBatchSummary, runBatch } from './run-batch';

/** `npm run batch`: exit 0 when every row was loaded; 1 when a row or a step was not; 2 for a usage or setup error. */
async function main(argv: readonly string[]): Promise<number> {
  const commandLine = readCommandLine(argv, parseBatchArgs, BATCH_USAGE);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const { options } = commandLine;
  const stack = await readStackFile().catch((error: Error) => {
    throw new StackConfigError(error.message);
  });
  const endpoint = stack.endpoints.glue;
  if (endpoint === undefined)
    throw new StackConfigError(
      'The running platform has no local Glue (stack.json has no endpoints.glue): restart it with `npm start`.',
    );
  const glue = createGlueClient({
    region: stack.region,
    credentials: stack.credentials,
    endpoints: { glue: endpoint },
    maxAttempts: 3,
  });
  const bar = process.stderr.isTTY
    ? new SingleBar({
        format: '{bar} {percentage}% | {value}/{total} objects | {partitions} partitions | {rows} rows',
        stream: process.stderr,
        hideCursor: true,
        fps: 5,
      })
    : undefined;
  let barStarted = false;
  console.error(
    `Batch on ${endpoint}${options.full ? ' (--full: the job bookmark is ignored)' : ''}: crawl, load, catalog`,
  );
  try {
    const summary = await runBatch(options, {
      glue,
      readProgress: (job, runId) => readProgress(jobRunProgressFile(path.join(stack.stateDir, 'glue'), job, runId)),
      onProgress: (progress) => {
        if (bar === undefined) return;
        const values = {
          partitions: `${progress.partitionsDone}/${progress.partitionsTotal}`,
          rows: progress.rowsLoaded,
        };
        if (!barStarted) bar.start(Math.max(progress.objectsTotal, 1), progress.objectsDone, values);
        else bar.update(progress.objectsDone, values);
        barStarted = true;
      },
    });
    bar?.stop();
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatBatchSummary(summary));
    return summary.problems.length > 0 ? 1 : 0;
  } finally {
    bar?.stop();
    glue.destroy();
  }
}

async function readProgress(file: string): Promise<JobRunProgress | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JobRunProgress;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

runCommand(main, (error) => error instanceof StackConfigError || error instanceof BatchSetupError);
