import { FIREHOSE_BUFFER_INTERVAL_VARIABLE } from '@retail/local-platform/firehose';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  MAX_BATCH_SIZE,
  MAX_CONCURRENCY,
  parseStrict,
  UsageError,
  wholeNumberFlag,
} from '@retail/cli';

/** Short enough that the raw archive drains seconds after its consumer, long enough to batch like Firehose does. */
export const DEFAULT_FIREHOSE_BUFFER_SECONDS = 5;
const DEFAULT_DRAIN_TIMEOUT_SECONDS = 3600;

export const BENCH_PIPELINE_USAGE = `Usage: npm run bench:pipeline -- [file] [--load-twice] [--batch-size N] [--concurrency N] [--firehose-buffer-seconds N] [--drain-timeout SECONDS]

Starts a throw-away local platform (every service, free ports, a temporary state directory), measures kinesalite,
dynalite and s3rver alone, loads the file through the API, times each sink until it holds every accepted line, then
reconciles. Target: end to end within 1.5x of the slowest emulator's raw throughput.

  file                        the data set to load; default: shared/data/online-retail/data.csv.gz, else the sample
  --load-twice                load the file a second time, wait for it to drain and reconcile again: nothing may change
  --batch-size N              rows per request of the loader (default ${DEFAULT_BATCH_SIZE})
  --concurrency N             requests in flight; also the calls in flight of each emulator measurement (default ${DEFAULT_CONCURRENCY})
  --firehose-buffer-seconds N the local Firehose's buffer interval (default ${DEFAULT_FIREHOSE_BUFFER_SECONDS}; RETAIL_FIREHOSE_BUFFER_INTERVAL_SECONDS
                              if set; the declared 60 s would add up to a minute to the raw archive's drain)
  --drain-timeout SECONDS     give up waiting for the sinks after this long per load (default ${DEFAULT_DRAIN_TIMEOUT_SECONDS})
  --platform-output           print the platform's progress and every service's output (requests, handler logs)`;

export interface BenchPipelineOptions {
  file: string | undefined;
  loadTwice: boolean;
  batchSize: number;
  concurrency: number;
  firehoseBufferSeconds: number;
  drainTimeoutSeconds: number;
  platformOutput: boolean;
  help: boolean;
}

// The emulator's own limit is 900 s (AWS's maximum buffer interval).
const MAX_FIREHOSE_BUFFER_SECONDS = 900;

export function parseBenchPipelineArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): BenchPipelineOptions {
  const { values, positionals } = parseStrict(argv, {
    'load-twice': { type: 'boolean', default: false },
    'batch-size': { type: 'string' },
    concurrency: { type: 'string' },
    'firehose-buffer-seconds': { type: 'string' },
    'drain-timeout': { type: 'string' },
    'platform-output': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one file, got ${positionals.length}: ${positionals.join(' ')}`);
  const bufferFromEnv = env[FIREHOSE_BUFFER_INTERVAL_VARIABLE];
  const bufferSeconds =
    values['firehose-buffer-seconds'] ??
    (bufferFromEnv === undefined || bufferFromEnv === '' ? undefined : bufferFromEnv);
  return {
    file: positionals[0],
    loadTwice: values['load-twice'] === true,
    batchSize: wholeNumberFlag('--batch-size', values['batch-size'], DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE),
    concurrency: wholeNumberFlag('--concurrency', values.concurrency, DEFAULT_CONCURRENCY, MAX_CONCURRENCY),
    firehoseBufferSeconds: wholeNumberFlag(
      '--firehose-buffer-seconds',
      bufferSeconds,
      DEFAULT_FIREHOSE_BUFFER_SECONDS,
      MAX_FIREHOSE_BUFFER_SECONDS,
    ),
    drainTimeoutSeconds: wholeNumberFlag(
      '--drain-timeout',
      values['drain-timeout'],
      DEFAULT_DRAIN_TIMEOUT_SECONDS,
      24 * 3600,
    ),
    platformOutput: values['platform-output'] === true,
    help: values.help === true,
  };
}
