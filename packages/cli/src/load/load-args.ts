import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  MAX_BATCH_SIZE,
  MAX_CONCURRENCY,
  parseStrict,
  UsageError,
  wholeNumberFlag,
} from '../command/cli-args';

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
