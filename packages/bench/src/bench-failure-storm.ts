import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { parseStrict, readCommandLine, REPOSITORY_ROOT, UsageError, wholeNumberFlag } from '@retail/cli';
import { createLocalAwsClients, type LocalPlatform } from '@retail/local-platform';
import { withThrowAwayPlatform } from './throw-away-platform';

const USAGE = `Usage: npm run bench:storm -- [--minutes N] [--every S]

A storm of failures: a fresh platform on free ports whose one stream consumer fails every invocation
(packages/local-platform/test/fixtures/failing-consumer: an error line per record, then the batch throws; the mapping
bisects each batch down to single records, retries each, then sends it to the failed-records bucket), with 100 records
put on the stream every few seconds. The platform's own output goes to this terminal as npm start's would; every
--every seconds this prints, on stderr, the platform's heap after a full GC (this process runs the platform: run it
with --expose-gc, as npm run bench:storm does), the resident memory of each of its processes, and how many lines the
platform printed against how many its log file holds. A flat heap is the goal; piping stdout into a reader that does
not read (| (sleep 900; cat > /dev/null)) is the slow terminal under which it once grew without bound.

  --minutes N  how long the storm lasts (default 20)
  --every S    seconds between samples (default 60)`;

const FAILING_CONSUMER = path.join(REPOSITORY_ROOT, 'packages/local-platform/test/fixtures/failing-consumer');
const RECORDS_PER_PUT = 100;
const PUT_EVERY_MS = 5_000;

interface StormOptions {
  minutes: number;
  everySeconds: number;
  help: boolean;
}

function parseStormArgs(argv: readonly string[]): StormOptions {
  const { values, positionals } = parseStrict(argv, {
    minutes: { type: 'string' },
    every: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  return {
    minutes: wholeNumberFlag('--minutes', values.minutes, 20, 24 * 60),
    everySeconds: wholeNumberFlag('--every', values.every, 60, 3600),
    help: values.help === true,
  };
}

/** Newlines this process wrote to stdout and stderr: what the terminal was given. */
function countTerminalLines(): () => number {
  let lines = 0;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk === 'string') lines += chunk.split('\n').length - 1;
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
  return () => lines;
}

async function residentMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

async function storm(platform: LocalPlatform, options: StormOptions, terminalLines: () => number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new UsageError('run it with node --expose-gc (npm run bench:storm does)');
  const { stack } = platform;
  const streamName = stack.resources.streams.InvoiceLineStream?.name;
  if (streamName === undefined) throw new Error('The platform has no InvoiceLineStream.');
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  const began = Date.now();
  const endsAt = began + options.minutes * 60_000;
  let put = 0;
  const putter = (async () => {
    while (Date.now() < endsAt) {
      const records = Array.from({ length: RECORDS_PER_PUT }, (_, index) => ({
        PartitionKey: String(put + index),
        Data: Buffer.from(JSON.stringify({ invoiceNo: String(put + index), padding: 'x'.repeat(300) })),
      }));
      await clients.kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
      put += records.length;
      await new Promise((resolve) => setTimeout(resolve, PUT_EVERY_MS));
    }
  })();
  const logFile = path.join(stack.stateDir, 'platform.log');
  const sample = async () => {
    gc();
    const heapMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
    const resident = await Promise.all(
      Object.entries(stack.processes).map(async ([name, pid]) => `${name} ${(await residentMiB(pid)) ?? '-'}`),
    );
    const logLines = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').length - 1;
    process.stderr.write(
      `storm ${Math.round((Date.now() - began) / 1000)} s: ${put} records put, platform heap ${heapMiB} MiB after GC, ` +
        `terminal ${terminalLines()} lines, log file ${logLines} lines; RSS MiB: ${resident.join(', ')}\n`,
    );
  };
  try {
    while (Date.now() < endsAt) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, Math.min(options.everySeconds * 1000, endsAt - Date.now())));
    }
    await sample();
    await putter;
  } finally {
    clients.destroy();
  }
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const commandLine = readCommandLine(argv, parseStormArgs, USAGE);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const terminalLines = countTerminalLines();
  return withThrowAwayPlatform(
    {
      stateDirPrefix: 'retail-bench-storm-',
      platform: { quiet: false, serviceDirs: [FAILING_CONSUMER] },
      describe: 'with a consumer that fails every batch',
      log: (line) => process.stderr.write(`${line}\n`),
    },
    (platform) => storm(platform, commandLine.options, terminalLines),
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
