import { parseArgs } from 'node:util';
import { MAX_ROWS_PER_REQUEST } from '@retail/api-contract';

/** A command line that cannot be run as given; the message says which flag and what to type instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Where a command prints: tests pass their own. */
export interface CommandOutput {
  /** The report. */
  out(text: string): void;
  /** Progress and errors. */
  err(text: string): void;
}

export const CONSOLE: CommandOutput = { out: (text) => console.log(text), err: (text) => console.error(text) };

/**
 * Every command's first step: its options, or the exit code when there is nothing to run. A usage error prints
 * its message and the usage and gives 2; --help prints the usage and gives 0.
 */
export function readCommandLine<T extends { help: boolean }>(
  argv: readonly string[],
  parse: (argv: readonly string[]) => T,
  usage: string,
  output: CommandOutput = CONSOLE,
): { options: T } | { exitCode: number } {
  let options: T;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`${error.message}\n\n${usage}`);
    return { exitCode: 2 };
  }
  if (options.help) {
    output.out(usage);
    return { exitCode: 0 };
  }
  return { options };
}

export const DEFAULT_BATCH_SIZE = 1000;
export const DEFAULT_CONCURRENCY = 4;
// The ingest API answers 413 above this many rows per request.
export const MAX_BATCH_SIZE = MAX_ROWS_PER_REQUEST;
export const MAX_CONCURRENCY = 64;

type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: boolean }>;

export function parseStrict(argv: readonly string[], options: FlagSpec) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function wholeNumberFlag(
  flag: string,
  text: string | boolean | undefined,
  fallback: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || value < 1 || value > max) {
    throw new UsageError(`${flag} must be a whole number from 1 to ${max}, got '${String(text)}'`);
  }
  return value;
}

/** The region a stack deploys to when no --region is given (resources/service-defaults.yml provider.region). */
export const DEFAULT_REGION = 'eu-west-2';

/** The value after `flag` in options passed through to `sls` (`--stage dev`), if any. */
export function passedFlagValue(options: readonly string[], flag: string): string | undefined {
  const index = options.indexOf(flag);
  return index === -1 ? undefined : options[index + 1];
}
