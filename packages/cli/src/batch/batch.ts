import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createGlueClient } from '@retail/adapters';
import { jobRunFiles, readStackFile } from '@retail/local-platform';
import { readCommandLine } from '../command/cli-args';
import { runCommand } from '../command/command-process';
import { StackConfigError } from '../load/stack-config';
import { BATCH_USAGE, parseBatchArgs } from './batch-args';
import { BatchSetupError, formatBatchSummary, runBatch } from './run-batch';

/** `npm run batch`: exit 0 when every object was loaded; 1 when an object or a step was not; 2 for a usage or setup error. */
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
  const runLog = (job: string, runId: string) => jobRunFiles(path.join(stack.stateDir, 'glue'), job, runId).log;
  console.error(
    `Batch on ${endpoint}${options.full ? ' (--full: every object again, the ledger ignored)' : ''}: crawl, load, catalog`,
  );
  try {
    const summary = await runBatch(options, {
      glue,
      readRunLog: (job, runId) => readIfExists(runLog(job, runId)),
      runLogPath: runLog,
      // The job's log as it comes: its own progress lines and, at the end, what it could not load.
      onLogLines: (lines) => {
        for (const line of lines) if (!line.startsWith('SUMMARY ')) console.error(`  job | ${line}`);
      },
    });
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatBatchSummary(summary));
    return summary.problems.length > 0 ? 1 : 0;
  } finally {
    glue.destroy();
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

runCommand(main, (error) => error instanceof StackConfigError || error instanceof BatchSetupError);
