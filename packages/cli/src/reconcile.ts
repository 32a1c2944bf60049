import { existsSync } from 'node:fs';
import { CsvFormatError } from '@retail/domain';
import { readStackFile } from '@retail/local-platform';
import { UsageError } from './cli-args';
import { parseReconcileArgs, RECONCILE_USAGE, type ReconcileCommandOptions } from './reconcile-args';
import { formatReconcileReport, formatWaitProgress, type ReconcileReport } from './reconcile-report';
import { reconcile, waitForReconciliation } from './reconcile-sinks';
import { targetsOfDeployedStage, targetsOfLocalStack, type ReconcileTargets } from './reconcile-targets';
import { SAMPLE_DATA_FILE } from './repository-paths';

export interface CommandOutput {
  /** The report. */
  out(text: string): void;
  /** Progress and errors. */
  err(text: string): void;
}

const CONSOLE: CommandOutput = { out: (text) => console.log(text), err: (text) => console.error(text) };

/** Raised for a platform that cannot be reached as configured: the message says what to run or pass instead. */
class TargetsError extends Error {
  override readonly name = 'TargetsError';
}

/**
 * `npm run reconcile`: exit 0 when every sink agrees with the file, 1 while any differs (or a sink cannot be read),
 * 2 for a usage, file or configuration error.
 */
export async function runReconcileCommand(argv: readonly string[], output: CommandOutput = CONSOLE): Promise<number> {
  let options: ReconcileCommandOptions;
  try {
    options = parseReconcileArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`${error.message}\n\n${RECONCILE_USAGE}`);
    return 2;
  }
  if (options.help) {
    output.out(RECONCILE_USAGE);
    return 0;
  }
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

function reconcileOnce(file: string, targets: ReconcileTargets, options: ReconcileCommandOptions, output: CommandOutput): Promise<ReconcileReport> {
  if (options.waitSeconds === undefined) return reconcile({ file, targets, scanSegments: options.segments });
  return waitForReconciliation({
    file,
    targets,
    scanSegments: options.segments,
    timeoutMs: options.waitSeconds * 1000,
    onAttempt: (report, elapsedMs) => output.err(formatWaitProgress(report, elapsedMs)),
  });
}

if (require.main === module) {
  runReconcileCommand(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
