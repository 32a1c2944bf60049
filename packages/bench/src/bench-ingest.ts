import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createLocalAwsClients, type StackFile } from '@retail/local-platform';
import {
  readCommandLine,
  rowsNotAccepted,
  findFullDataFile,
  REPOSITORY_ROOT,
  SAMPLE_DATA_FILE,
  runCommand,
} from '@retail/cli';
import { BENCH_USAGE, parseBenchArgs, type BenchOptions } from './bench-ingest-args';
import {
  describeMachine,
  invoiceLineRecords,
  measureApiLoad,
  measureOneRowPerRequest,
  measurePutRecords,
  warmUpApi,
  type Throughput,
} from './ingest-benchmarks';
import { withThrowAwayPlatform } from './throw-away-platform';

// Targets: the API within 1.5x of what kinesalite takes alone, and 50x the one-row-per-request client.
const MIN_RATIO_TO_KINESALITE = 1 / 1.5;
const MIN_RATIO_TO_ONE_ROW_CLIENT = 50;
// 100 calls of 500: long enough to be steady, short enough to leave the run's minutes to the API load.
const KINESALITE_RECORDS = 50_000;
const INGEST_SERVICE_DIR = join(REPOSITORY_ROOT, 'services', 'ingest');

/**
 * `npm run bench:ingest`: starts a throw-away local platform on free ports, measures kinesalite's PutRecords alone,
 * the full data set through the API with the loader, and the one-row-per-request client, then stops the platform.
 */
async function main(argv: readonly string[]): Promise<number> {
  const commandLine = readCommandLine(argv, parseBenchArgs, BENCH_USAGE);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const { options } = commandLine;
  const file = options.file ?? findFullDataFile() ?? SAMPLE_DATA_FILE;
  const log = (line: string) => console.error(`bench: ${line}`);
  return withThrowAwayPlatform(
    {
      stateDirPrefix: 'retail-bench-',
      // Only the ingest service by default: the stream's consumers would compete with the API for the same cores.
      platform: { quiet: true, serviceDirs: options.allServices ? undefined : [INGEST_SERVICE_DIR] },
      describe: options.allServices ? 'with every service' : 'with the ingest service',
      log,
    },
    (platform, startSeconds) => runBench(platform.stack, file, options, startSeconds, log),
  );
}

async function runBench(
  stack: StackFile,
  file: string,
  options: BenchOptions,
  startSeconds: number,
  log: (line: string) => void,
): Promise<number> {
  const stream = invoiceLineStream(stack);
  const api = { apiUrl: stack.apiUrl, apiKey: stack.apiKey };
  const n = (value: number) => Math.round(value).toLocaleString('en-GB');
  const loadAtStart = loadavg()[0]!;

  const records = await invoiceLineRecords(file, KINESALITE_RECORDS);
  const averageBytes = records.reduce((sum, r) => sum + r.Data!.length, 0) / records.length;
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  const measureBound = (when: string): Promise<Throughput> => {
    log(
      `(a) kinesalite PutRecords alone, ${when}: ${n(records.length)} records of the data set, 500 per call, ${options.concurrency} in flight`,
    );
    return measurePutRecords(clients.kinesis, stream.name, records, options.concurrency);
  };
  let boundBefore: Throughput;
  let boundAfter: Throughput;
  let load: Awaited<ReturnType<typeof measureApiLoad>>;
  try {
    boundBefore = await measureBound('before the API load');
    await warmUpApi(api, options.concurrency);
    log(
      `(b) ${file} through the API with the loader: batches of ${options.batchSize}, ${options.concurrency} in flight`,
    );
    load = await measureApiLoad(api, file, options.batchSize, options.concurrency);
    // Measured again after, and the faster run taken: other load on the machine can only make the bound look lower.
    boundAfter = await measureBound('after the API load');
  } finally {
    clients.destroy();
  }
  const bound = boundAfter.perSecond > boundBefore.perSecond ? boundAfter : boundBefore;
  const apiRowsPerSecond = load.rowsSent / (load.elapsedMs / 1000);

  log(`(c) one row per request, sequential: ${n(options.oneRowSlice)} rows`);
  const oneRow = await measureOneRowPerRequest(api, file, options.oneRowSlice);
  const loadAtEnd = loadavg()[0]!;

  const toBound = apiRowsPerSecond / bound.perSecond;
  const toOneRow = apiRowsPerSecond / oneRow.perSecond;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const failedBound = boundBefore.failed + boundAfter.failed;
  console.log(
    [
      `Ingest benchmark, ${new Date().toISOString()}`,
      `machine     ${describeMachine()}; load average ${loadAtStart.toFixed(1)} at start, ${loadAtEnd.toFixed(1)} at end`,
      `platform    fresh, ${options.allServices ? 'every service' : 'ingest service only'}, started in ${startSeconds.toFixed(1)} s; stream ${stream.name} with ${stream.shardCount} shard(s)`,
      `file        ${file}`,
      '',
      `(a) kinesalite PutRecords alone  ${n(bound.perSecond).padStart(8)} records/s  best of ${n(boundBefore.perSecond)} (before) and ${n(boundAfter.perSecond)} (after); ${n(records.length)} records of ${n(averageBytes)} B avg, 500 per call, ${options.concurrency} in flight${failedBound ? `, ${n(failedBound)} failed` : ''}`,
      `(b) API with the loader          ${n(apiRowsPerSecond).padStart(8)} rows/s     ${n(load.rowsSent)} rows, ${n(load.accepted)} accepted, batches of ${options.batchSize}, ${options.concurrency} in flight, ${n(load.retries)} retries, ${(load.elapsedMs / 1000).toFixed(1)} s`,
      `(c) API, one row per request     ${n(oneRow.perSecond).padStart(8)} rows/s     ${n(oneRow.items + oneRow.failed)} rows, sequential, no Content-Type${oneRow.failed ? `, ${n(oneRow.failed)} failed` : ''}`,
      '',
      `API / kinesalite bound   ${toBound.toFixed(2)}  (target >= ${MIN_RATIO_TO_KINESALITE.toFixed(2)}, i.e. within 1.5x)  ${verdict(toBound >= MIN_RATIO_TO_KINESALITE)}`,
      `API / one-row client     ${toOneRow.toFixed(1)}x  (target >= ${MIN_RATIO_TO_ONE_ROW_CLIENT}x)  ${verdict(toOneRow >= MIN_RATIO_TO_ONE_ROW_CLIENT)}`,
    ].join('\n'),
  );
  if (load.stoppedBy !== undefined) log(`the load stopped early: ${load.stoppedBy}`);
  // The figures stand only if every row went through; the targets are reported, not enforced.
  const incomplete = rowsNotAccepted(load) > 0 || load.stoppedBy !== undefined || oneRow.failed > 0 || failedBound > 0;
  return incomplete ? 1 : 0;
}

function invoiceLineStream(stack: StackFile) {
  const streams = Object.entries(stack.resources.streams);
  const stream = stack.resources.streams.InvoiceLineStream ?? (streams.length === 1 ? streams[0]![1] : undefined);
  if (!stream)
    throw new Error(
      `the local platform has no InvoiceLineStream (streams: ${streams.map(([id]) => id).join(', ') || 'none'}): check resources/kinesis.yml`,
    );
  return stream;
}

runCommand(main);
