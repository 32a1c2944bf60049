import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  MAX_BATCH_SIZE,
  MAX_CONCURRENCY,
  parseStrict,
  UsageError,
  wholeNumberFlag,
} from '@retail/cli';

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
