import { parseArgs } from 'node:util';

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
// The ingest API answers 413 above about 5,000 rows per request.
export const MAX_BATCH_SIZE = 5000;
export const MAX_CONCURRENCY = 64;

export const LOAD_USAGE = `Usage: npm run load -- [file] [--dry-run] [--json] [--batch-size N] [--concurrency N] [--api-url URL --api-key KEY]

  file            a .csv or .csv.gz export of the data set (latin1 or UTF-8); default: data/online-retail-sample.csv
  --dry-run       send nothing: validate every row and print a data-quality report
  --json          print the report (or the load's summary) as JSON, for scripts
  --batch-size N  rows per request, 1-5000 (default ${DEFAULT_BATCH_SIZE})
  --concurrency N requests in flight, 1-64 (default ${DEFAULT_CONCURRENCY})
  --api-url URL   the ingest API's base URL (default: RETAIL_API_URL, else apiUrl in .local/stack.json)
  --api-key KEY   its API key (default: RETAIL_API_KEY, else apiKey in .local/stack.json)`;

export interface LoadOptions {
  file: string | undefined;
  dryRun: boolean;
  json: boolean;
  batchSize: number;
  concurrency: number;
  apiUrl: string | undefined;
  apiKey: string | undefined;
  help: boolean;
}

export function parseLoadArgs(argv: readonly string[]): LoadOptions {
  const { values, positionals } = parseStrict(argv, {
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'batch-size': { type: 'string' },
    concurrency: { type: 'string' },
    'api-url': { type: 'string' },
    'api-key': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one file, got ${positionals.length}: ${positionals.join(' ')}`);
  return {
    file: positionals[0],
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    batchSize: wholeNumberFlag('--batch-size', values['batch-size'], DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE),
    concurrency: wholeNumberFlag('--concurrency', values.concurrency, DEFAULT_CONCURRENCY, MAX_CONCURRENCY),
    apiUrl: values['api-url'] as string | undefined,
    apiKey: values['api-key'] as string | undefined,
    help: values.help === true,
  };
}

export const BENCH_USAGE = `Usage: npm run bench:ingest -- [file] [--batch-size N] [--concurrency N] [--one-row-slice N] [--all-services]

  file              the data set to load through the API; default: shared/data/online-retail/data.csv.gz, else the sample
  --batch-size N    rows per request of the loader (default ${DEFAULT_BATCH_SIZE})
  --concurrency N   requests in flight, also used for kinesalite's PutRecords (default ${DEFAULT_CONCURRENCY})
  --one-row-slice N rows the one-row-per-request client sends (default 2000)
  --all-services    run every service of services/, not only ingest (their consumers then compete for the CPU)`;

export interface BenchOptions {
  file: string | undefined;
  batchSize: number;
  concurrency: number;
  oneRowSlice: number;
  allServices: boolean;
  help: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values, positionals } = parseStrict(argv, {
    'batch-size': { type: 'string' },
    concurrency: { type: 'string' },
    'one-row-slice': { type: 'string' },
    'all-services': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one file, got ${positionals.length}: ${positionals.join(' ')}`);
  return {
    file: positionals[0],
    batchSize: wholeNumberFlag('--batch-size', values['batch-size'], DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE),
    concurrency: wholeNumberFlag('--concurrency', values.concurrency, DEFAULT_CONCURRENCY, MAX_CONCURRENCY),
    oneRowSlice: wholeNumberFlag('--one-row-slice', values['one-row-slice'], 2000, 1_000_000),
    allServices: values['all-services'] === true,
    help: values.help === true,
  };
}

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
