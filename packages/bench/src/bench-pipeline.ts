import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createLocalAwsClients, type StackFile } from '@retail/local-platform';
import type { InvoiceLineEvent } from '@retail/domain';
import { FIREHOSE_BUFFER_INTERVAL_VARIABLE } from '@retail/local-platform/firehose';
import { BENCH_PIPELINE_USAGE, parseBenchPipelineArgs, type BenchPipelineOptions } from './bench-pipeline-args';
import { cpuSecondsBetween, readCpuSeconds } from './bench-pipeline-cpu';
import { waitForSinks } from './bench-pipeline-drain';
import {
  checkedFiguresThatChanged,
  formatEmulators,
  formatLoadRun,
  formatWarehouseCopy,
  slowestEmulator,
  verdict,
  type LoadRun,
} from './bench-pipeline-report';
import { RawBucketLineCounter } from './bench-pipeline-sinks';
import {
  readCommandLine,
  rowsNotAccepted,
  formatReconcileReport,
  reconcile,
  targetsOfLocalStack,
  findFullDataFile,
  REPOSITORY_ROOT,
  SAMPLE_DATA_FILE,
  runCommand,
} from '@retail/cli';
import { EMULATOR_SAMPLE_ROWS, measureEmulatorThroughput } from './emulator-throughput';
import { describeMachine, invoiceLineRecords, measureApiLoad, warmUpApi } from './ingest-benchmarks';
import { withThrowAwayPlatform } from './throw-away-platform';
import { measureWarehouseCopy, WarehouseCounter } from './warehouse-copy-throughput';

// The service whose stream consumer writes the invoice table: its function names start with its `service:` name.
const TABLE_WRITER_SERVICE_FILE = join(REPOSITORY_ROOT, 'services', 'stream-to-dynamo', 'serverless.yml');

/**
 * `npm run bench:pipeline`: a throw-away local platform with every service; each emulator alone; the file through the
 * API with the loader; each sink timed until it holds every accepted line; reconcile. Exit 0 when every row was
 * accepted, every sink drained and reconcile agrees; the 1.5x target is reported, not enforced.
 */
async function main(argv: readonly string[]): Promise<number> {
  const commandLine = readCommandLine(argv, parseBenchPipelineArgs, BENCH_PIPELINE_USAGE);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const { options } = commandLine;
  const file = options.file ?? findFullDataFile() ?? SAMPLE_DATA_FILE;
  if (!existsSync(file)) {
    console.error(`no file at ${file}: give the path of a .csv or .csv.gz export of the data set`);
    return 2;
  }
  const log = (line: string) => console.error(`bench: ${line}`);
  const loadAtStart = loadavg();
  const platformOptions = {
    stateDirPrefix: 'retail-bench-pipeline-',
    platform: { quiet: !options.platformOutput, firehoseBufferIntervalSeconds: options.firehoseBufferSeconds },
    describe: 'with every service',
    log,
  };
  return withThrowAwayPlatform(platformOptions, async (platform, startSeconds) => {
    log(`platform ready in ${startSeconds.toFixed(1)} s; Firehose buffer interval ${options.firehoseBufferSeconds} s`);
    const figures = await runBench(platform.stack, file, options, log);
    const loadAtEnd = loadavg();
    const average = (load: number[]) => load.map((value) => value.toFixed(1)).join(' ');
    console.log(
      [
        `Pipeline benchmark, ${new Date().toISOString()}`,
        `machine     ${describeMachine()}`,
        `load avg    ${average(loadAtStart)} (1/5/15 min) at start, ${average(loadAtEnd)} at end`,
        `platform    fresh, every service, started in ${startSeconds.toFixed(1)} s; Firehose buffer interval shortened to ${options.firehoseBufferSeconds} s (${FIREHOSE_BUFFER_INTERVAL_VARIABLE})`,
        `file        ${file}`,
        `loader      batches of ${options.batchSize}, ${options.concurrency} in flight`,
        '',
        ...figures.lines,
      ].join('\n'),
    );
    return figures.ok ? 0 : 1;
  });
}

async function runBench(
  stack: StackFile,
  file: string,
  options: BenchPipelineOptions,
  log: (line: string) => void,
): Promise<{ lines: string[]; ok: boolean }> {
  const stream = stack.resources.streams.InvoiceLineStream;
  if (!stream)
    throw new Error(
      `the local platform has no InvoiceLineStream (streams: ${Object.keys(stack.resources.streams).join(', ') || 'none'}): check resources/kinesis.yml`,
    );
  const targets = targetsOfLocalStack(stack);
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  let warehouse: WarehouseCounter | undefined;
  try {
    const { invoiceTable, rawBucket } = targets;
    if (!invoiceTable || !rawBucket)
      throw new Error(`the local platform lacks a sink: ${targets.notChecked.join('; ')}`);

    const records = await invoiceLineRecords(file, EMULATOR_SAMPLE_ROWS);
    const emulators = await measureEmulatorThroughput({
      clients,
      streamShardCount: stream.shardCount,
      invoiceTableName: invoiceTable.tableName,
      records,
      concurrency: options.concurrency,
      log,
    });
    const slowest = slowestEmulator(emulators);
    const output = formatEmulators(emulators, options.concurrency);
    const { warehouseUrl } = stack;
    let warehouseCopy: Awaited<ReturnType<typeof measureWarehouseCopy>> | undefined;
    if (warehouseUrl !== undefined) {
      log(`PostgreSQL COPY FROM STDIN alone: ${records.length.toLocaleString('en-GB')} landing rows, best of 3 rounds`);
      warehouseCopy = await measureWarehouseCopy(
        warehouseUrl,
        records.map((record) => JSON.parse(Buffer.from(record.Data!).toString('utf8')) as InvoiceLineEvent),
      );
      output.push(formatWarehouseCopy(warehouseCopy));
    }
    output.push('');
    warehouse = warehouseUrl === undefined ? undefined : await WarehouseCounter.connect(warehouseUrl);

    const api = { apiUrl: stack.apiUrl, apiKey: stack.apiKey };
    await warmUpApi(api, options.concurrency);
    const tableWriterService = serviceNameOf(TABLE_WRITER_SERVICE_FILE);
    const rawLines = new RawBucketLineCounter(rawBucket.client, rawBucket.layout);
    const runs: LoadRun[] = [];
    for (let loadNumber = 1; loadNumber <= (options.loadTwice ? 2 : 1); loadNumber++) {
      log(
        `load ${loadNumber}: ${file} through the API with the loader (batches of ${options.batchSize}, ${options.concurrency} in flight)`,
      );
      const cpuBefore = readCpuSeconds(stack.processes);
      const startedAt = performance.now();
      const load = await measureApiLoad(api, file, options.batchSize, options.concurrency);
      const apiAcceptedAt = performance.now();
      log(
        `load ${loadNumber}: the API accepted ${load.accepted.toLocaleString('en-GB')} rows in ${((apiAcceptedAt - startedAt) / 1000).toFixed(1)} s; waiting for the sinks`,
      );
      const drain = await waitForSinks({
        invoiceTable,
        rawBucket: rawLines,
        warehouse,
        stateDir: stack.stateDir,
        streamArn: stream.arn,
        lines: load.accepted,
        loadNumber,
        isTableWriter: (functionName) => functionName.startsWith(`${tableWriterService}-`),
        timeoutMs: options.drainTimeoutSeconds * 1000,
        log,
      });
      const drainedAt = performance.now();
      const cpu = cpuSecondsBetween(cpuBefore, readCpuSeconds(stack.processes));
      log(`load ${loadNumber}: reconciling`);
      const report = await reconcile({ file, targets });
      const run: LoadRun = { loadNumber, startedAt, apiAcceptedAt, load, drain, cpu, drainedAt, reconcile: report };
      runs.push(run);
      output.push(
        ...formatLoadRun(run, slowest, warehouseCopy),
        '',
        `Reconcile after load ${loadNumber}:`,
        formatReconcileReport(report),
        `reconcile after load ${loadNumber}: ${verdict(report.differences.length === 0)}`,
        '',
      );
    }
    const changed = runs.length === 2 ? checkedFiguresThatChanged(runs[0]!.reconcile, runs[1]!.reconcile) : [];
    if (runs.length === 2)
      output.push(
        `second load changed no checked figure: ${verdict(changed.length === 0)}${changed.length > 0 ? ` (${changed.join('; ')})` : ''}`,
      );
    const complete = runs.every(
      (run) =>
        rowsNotAccepted(run.load) === 0 &&
        run.load.stoppedBy === undefined &&
        run.drain.rawS3CompleteAt !== undefined &&
        (warehouse === undefined || run.drain.warehouseCompleteAt !== undefined) &&
        (run.drain.dynamodbCompleteAt !== undefined || run.drain.dynamodbSeenBy === 'not observable') &&
        run.reconcile.differences.length === 0,
    );
    return { lines: output, ok: complete && changed.length === 0 };
  } finally {
    clients.destroy();
    targets.close();
    await warehouse?.close();
  }
}

/** The `service:` of a serverless.yml: the prefix of its functions' names. */
function serviceNameOf(serverlessFile: string): string {
  const service = /^service:\s*(\S+)\s*$/m.exec(readFileSync(serverlessFile, 'utf8'))?.[1];
  if (!service) throw new Error(`${serverlessFile} has no top-level service: name`);
  return service;
}

runCommand(main);
