import { existsSync } from 'node:fs';
import { CsvFormatError } from '@retail/domain';
import { readStackFile } from '@retail/local-platform';
import { CONSOLE, readCommandLine, type CommandOutput } from '../command/cli-args';
import { runCommand } from '../command/command-process';
import { parseReconcileArgs, RECONCILE_USAGE, type ReconcileCommandOptions } from './reconcile-args';
import { formatReconcileReport, formatWaitProgress, type ReconcileReport } from './reconcile-report';
import { reconcile, waitForReconciliation } from './reconcile-sinks';
import { targetsOfDeployedStage, targetsOfLocalStack, type ReconcileTargets } from './reconcile-targets';
import { SAMPLE_DATA_FILE } from '../command/repository-paths';

/** Raised for a platform that cannot be reached as configured: the message says what to run or pass instead. */
class TargetsError extends Error {
  override readonly name = 'TargetsError';
}

/**
 * `npm run reconcile`: exit 0 when every sink agrees with the file, 1 while any differs (or a sink cannot be read),
 * 2 for a usage, file or configuration error.
 */
export async function runReconcileCommand(argv: readonly string[], output: CommandOutput = CONSOLE): Promise<number> {
  const commandLine = readCommandLine(argv, parseReconcileArgs, RECONCILE_USAGE, output);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const { options } = commandLine;
  const file = options.file ?? SAMPLE_DATA_FILE;
  if (!existsSync(file)) {
    output.err(`no file at ${file}: give the path of the .csv or .csv.gz export that was loaded`);
    return 2;
  }
  let targets: ReconcileTargets | undefined;
  try {
    targets = await openTargets(options);
    const report = await reconcileOnce(file, targets, options, output);
    output.out(options.json ? JSON.stringify(report, null, 2) : formatReconcileReport(report));
    return report.differences.length === 0 ? 0 : 1;
  } catch (error) {
    const expected = error instanceof CsvFormatError || error instanceof TargetsError;
    output.err(`error: ${(error as Error).message}`);
    return expected ? 2 : 1;
  } finally {
    targets?.close();
  }
}

async function openTargets(options: ReconcileCommandOptions): Promise<ReconcileTargets> {
  try {
    if (options.stage !== undefined) return await targetsOfDeployedStage(options.stage);
    return targetsOfLocalStack(await readStackFile(options.stackFile));
  } catch (error) {
    const hint = options.stage === undefined ? ' For a deployed stage give --stage.' : '';
    throw new TargetsError(`${(error as Error).message}${hint}`);
  }
}

function reconcileOnce(
  file: string,
  targets: ReconcileTargets,
  options: ReconcileCommandOptions,
  output: CommandOutput,
): Promise<ReconcileReport> {
  if (options.waitSeconds === undefined) return reconcile({ file, targets, scanSegments: options.segments });
  return waitForReconciliation({
    file,
    targets,
    scanSegments: options.segments,
    timeoutMs: options.waitSeconds * 1000,
    onAttempt: (report, elapsedMs) => output.err(formatWaitProgress(report, elapsedMs)),
  });
}

if (require.main === module) runCommand((argv) => runReconcileCommand(argv));
