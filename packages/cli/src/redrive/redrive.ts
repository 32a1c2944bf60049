import { readStackFile } from '@retail/local-platform';
import { CONSOLE, readCommandLine, type CommandOutput } from '../command/cli-args';
import { runCommand } from '../command/command-process';
import { StackConfigError } from '../load/stack-config';
import {
  failedRecordsOfDeployedStage,
  failedRecordsOfLocalStack,
  type FailedRecordsTarget,
} from './failed-records-target';
import { parseRedriveArgs, REDRIVE_USAGE, type RedriveOptions } from './redrive-args';
import { redriveFailedRecords } from './redrive-failed-records';
import { formatRedriveSummary } from './redrive-report';

/**
 * `npm run redrive`: exit 0 when every record that can be redriven was, 1 when one could not be, 2 for a usage or
 * configuration error.
 */
export async function runRedriveCommand(argv: readonly string[], output: CommandOutput = CONSOLE): Promise<number> {
  const commandLine = readCommandLine(argv, parseRedriveArgs, REDRIVE_USAGE, output);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const { options } = commandLine;
  const target = await openTarget(options);
  try {
    const summary = await redriveFailedRecords(target, options);
    output.out(options.json ? JSON.stringify(summary, null, 2) : formatRedriveSummary(summary));
    return summary.notRedriven.length === 0 ? 0 : 1;
  } finally {
    target.close();
  }
}

async function openTarget(options: RedriveOptions): Promise<FailedRecordsTarget> {
  try {
    if (options.stage !== undefined) return await failedRecordsOfDeployedStage(options.stage);
    return failedRecordsOfLocalStack(await readStackFile(options.stackFile));
  } catch (error) {
    const hint = options.stage === undefined ? ' For a deployed stage give --stage.' : '';
    throw new StackConfigError(`${(error as Error).message}${hint}`);
  }
}

if (require.main === module)
  runCommand(
    (argv) => runRedriveCommand(argv),
    (error) => error instanceof StackConfigError,
  );
