import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createLocalAwsClients, type StackFile } from '@retail/local-platform';
import { FIREHOSE_BUFFER_INTERVAL_VARIABLE, FIREHOSE_RETRY_TIME_SCALE_VARIABLE } from '@retail/local-platform/firehose';
import { eventually } from '@retail/test-support';
import { reconcile, waitForReconciliation } from '@retail/cli';
import { readConsumerPositions } from './support/consumer-positions';
import { readWholeStream } from './support/kinesis-stream-contents';
import { startPlatformProcess, type PlatformProcess, type PrintedLine } from './support/platform-process';
import { runCli } from './support/run-cli';
import { SAMPLE_FILE, sampleLines } from './support/sample-lines';

// Issue 24's two end-to-end proofs, on `npm start` as a user runs it: its own process, its terminal output read as
// it prints it, its state (stack.json, platform.log) in a folder of its own. The first test leaves the sample loaded.
let stateDir: string;
let platform: PlatformProcess;
let stack: StackFile;
let sampleSize: number;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-outage-e2e-'));
  platform = startPlatformProcess(stateDir, {
    [FIREHOSE_BUFFER_INTERVAL_VARIABLE]: '2',
    // The warehouse's merge every 2 s rather than 10.
    RETAIL_SCHEDULE_RATE_SECONDS: '2',
    // Firehose retries a failed COPY every 5 minutes for RetryOptions' hour: the same 12 attempts, 6 s apart within
    // 72 s. A COPY tried while the warehouse's server is down is tried again once it is back, with no one's help.
    [FIREHOSE_RETRY_TIME_SCALE_VARIABLE]: '0.02',
  });
  [stack, sampleSize] = await Promise.all([platform.ready, sampleLines().then((lines) => lines.length)]);
}, 300_000);

afterAll(async () => {
  await platform?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
});

const load = () =>
  runCli('packages/cli/src/load/load.ts', [SAMPLE_FILE, '--api-url', stack.apiUrl, '--api-key', stack.apiKey]);

/** Whether the invoice table holds any item yet. */
async function tableHasItems(): Promise<boolean> {
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  try {
    const TableName = stack.resources.tables.InvoiceTable!.name;
    return ((await clients.dynamodb.send(new ScanCommand({ TableName, Select: 'COUNT', Limit: 1 }))).Count ?? 0) > 0;
  } finally {
    clients.destroy();
  }
}

async function failedRecordKeys(): Promise<string[]> {
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  try {
    const Bucket = stack.resources.buckets.FailedRecordsBucket!.name;
    const { Contents = [] } = await clients.s3.send(new ListObjectsV2Command({ Bucket }));
    return Contents.map(({ Key }) => Key!);
  } finally {
    clients.destroy();
  }
}

// What every load prints whatever happens: serverless-offline's request lines and the functions' INFO logs.
const ROUTINE_SERVICE_LINE =
  /^\[[\w-]+\] (|[A-Z]+ \/\S* \(λ: \w+\)|\(λ: \w+\) RequestId: .*|\{"level":"(INFO|DEBUG)".*)$/;
/** The printed lines that are about something going wrong (everything but a load's routine lines). */
const aboutTrouble = (lines: PrintedLine[]) => lines.filter(({ text }) => !ROUTINE_SERVICE_LINE.test(text));
// The terminal prints the count of a repeated error 10 s after its first (repeated-lines.ts, checked every second):
// once nothing about trouble has come for longer than that, no count is left to print.
const SETTLED_AFTER_MS = 11_500;
// "A few dozen": two exits with their last lines (up to 8 each), two returns, the first line of each kind of error
// and its counts; 26 in a passing run, 267 when each repeated error is printed, and 1,051 in 30 s in issue 24's run.
const MAX_LINES_ABOUT_IT = 48;
const INVOICE_NOT_SAVED = '"message":"Invoice not saved this time"';

/** A failed reconcile with what the platform printed about it and the consumers' lines of platform.log, for CI. */
async function whyNotReconciled(differences: readonly string[]): Promise<string> {
  const log = await readFile(path.join(stateDir, 'platform.log'), 'utf8').catch(() => '');
  const consumerLines = log
    .split('\n')
    .filter((line) => / -> |\[stream-to-dynamo\]|is back|exited/.test(line) && !line.includes('"level":"INFO"'))
    .slice(-60);
  return [
    'reconcile still differs:',
    ...differences,
    'what the platform printed about trouble (last 60 lines):',
    ...aboutTrouble(platform.printed)
      .slice(-60)
      .map(({ text }) => text),
    "platform.log's consumer lines (last 60):",
    ...consumerLines,
    `consumer positions: ${JSON.stringify(await readConsumerPositions(stateDir))}`,
  ].join('\n');
}

describe('an outage on the running platform', () => {
  it('kill -9 of dynalite and of the warehouse server while the sample loads: both named and back, every sink reconciles with no manual step, the failed-records bucket stays empty, and the terminal gets a few dozen lines about it', async () => {
    const dynalite = stack.processes.dynalite!;
    const warehouseNode = stack.processes.warehouse!;
    // The warehouse's server as a user finds it: postgres itself, not the node process that started it.
    const postgres = Number(
      (await readFile(path.join(stateDir, 'warehouse', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    expect((await readFile(`/proc/${postgres}/comm`, 'utf8')).trim()).toBe('postgres');
    const printedBefore = platform.printed.length;
    const printedSince = () => platform.printed.slice(printedBefore);

    // Ingest needs neither: the load goes on while they are down, and every row is accepted.
    const loading = load();
    // Killed as stream-to-dynamo writes the sample's first batch, so that the consumers and the COPY feel the outage.
    await eventually(async () => expect(await tableHasItems()).toBe(true), { timeoutMs: 120_000, intervalMs: 50 });
    const killedAt = Date.now();
    process.kill(dynalite, 'SIGKILL');
    process.kill(postgres, 'SIGKILL');
    const loaded = await loading;
    expect(loaded.stdout).toMatch(/accepted\s+3,953/);
    expect(loaded.code).toBe(0);

    // Each death named with how it ended, and each back on its port and state, said on the terminal.
    const dynamodbPort = new URL(stack.endpoints.dynamodb).port;
    const warehousePort = new URL(stack.warehouseUrl!).port;
    const exits = [
      `^warning: dynalite \\(pid ${dynalite}\\) exited \\(signal SIGKILL\\); restarting it on 127\\.0\\.0\\.1:${dynamodbPort} `,
      `^warning: warehouse \\(embedded PostgreSQL\\) \\(pid ${warehouseNode}\\) exited .*; restarting it on 127\\.0\\.0\\.1:${warehousePort} `,
      `^    \\| PostgreSQL \\(pid ${postgres}\\) exited \\(signal SIGKILL\\)\\.$`,
    ].map((pattern) => new RegExp(pattern));
    const returns = [
      `^warning: dynalite is back on 127\\.0\\.0\\.1:${dynamodbPort} `,
      `^warning: warehouse \\(embedded PostgreSQL\\) is back on 127\\.0\\.0\\.1:${warehousePort} `,
    ].map((pattern) => new RegExp(pattern));
    /** How long after the kill the platform printed a line matching `pattern`; throws while it has not. */
    const saidAfterMs = (pattern: RegExp) => {
      const line = printedSince().find(({ text }) => pattern.test(text));
      if (line === undefined) throw new Error(`the platform has printed no line matching ${pattern}`);
      return line.at - killedAt;
    };
    const exitsSaidAfterMs = await eventually(
      () => {
        for (const pattern of returns) saidAfterMs(pattern);
        return exits.map(saidAfterMs);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(
        `${error.message}\nWhat it printed since the kill:\n${printedSince()
          .map(({ text }) => text)
          .join('\n')}`,
      );
    });
    // "Within 5 s one line says which" (issue 24).
    expect(exitsSaidAfterMs.filter((ms) => ms > 5_000)).toEqual([]);

    // Nobody does anything: the consumers' retries and Firehose's COPY retries carry every line into every sink.
    const report = await waitForReconciliation({ file: SAMPLE_FILE, stack, timeoutMs: 120_000, intervalMs: 1_000 });
    if (report.differences.length > 0) throw new Error(await whyNotReconciled(report.differences));
    expect(report.notChecked).toEqual([]);
    expect(report.warehouse?.factRows).toBe(sampleSize);
    // Nothing was given up on: not one record in the failed-records bucket.
    expect(await failedRecordKeys()).toEqual([]);

    // The terminal, once every count of a repeated error is out: a few dozen lines about the outage at most.
    await eventually(
      () =>
        expect(Date.now() - (aboutTrouble(printedSince()).at(-1)?.at ?? killedAt)).toBeGreaterThan(SETTLED_AFTER_MS),
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    const printed = aboutTrouble(printedSince()).map(({ text }) => text);
    if (printed.length > MAX_LINES_ABOUT_IT)
      throw new Error(
        `${printed.length} lines about the outage, more than ${MAX_LINES_ABOUT_IT}:\n${printed.join('\n')}`,
      );
    // The outage was felt: stream-to-dynamo failed to write and its batch was retried with no limit.
    const log = await readFile(path.join(stateDir, 'platform.log'), 'utf8');
    expect(log).toMatch(
      /\[stream-to-dynamo\] \{"level":"ERROR","message":"Batch reported for retry from its first record not written"/,
    );
    expect(log).toMatch(
      /-> retail-stream-to-dynamo-local-writeInvoiceLines: batch of \d+ records .* failed: .*; retry 1 \(no limit\)/,
    );
    // Every error is in the log file; the terminal shows the first of a kind and counts the rest.
    const loggedNotSaved = log.split('\n').filter((line) => line.includes(INVOICE_NOT_SAVED)).length;
    const printedNotSaved = printed.filter((line) => line.includes(INVOICE_NOT_SAVED)).length;
    const countedNotSaved = printed
      .map((line) => /^stream-to-dynamo: ([\d,]+) x "Invoice not saved this time/.exec(line)?.[1])
      .reduce((sum, count) => sum + (count === undefined ? 0 : Number(count.replace(/,/g, ''))), 0);
    expect(loggedNotSaved).toBeGreaterThan(0);
    expect(printedNotSaved + countedNotSaved).toBe(loggedNotSaved);
    // Still running: three restarts are allowed before the platform gives up.
    expect(platform.child.exitCode).toBeNull();
  }, 300_000);

  it('`npm run validate -- --stage dev` while the platform runs, then `npm run load`: every row accepted, both consumers read it all, reconcile passes', async () => {
    const validated = await runCli('packages/cli/src/validate/validate.ts', ['--stage', 'dev']);
    if (validated.code !== 0)
      throw new Error(`npm run validate exited ${validated.code}:\n${validated.stdout}${validated.stderr}`);
    // It packaged every stack in the checkout the platform runs from (each service's .esbuild/ rebuilt and deleted).
    expect(validated.stderr).toMatch(/packaging every stack of stage dev offline/);

    const loaded = await load();
    expect(loaded.stdout).toMatch(/accepted\s+3,953/);
    expect(loaded.code).toBe(0);

    // Both loads are on the stream, and each consumer has committed up to the end of every shard: its function ran
    // on the second load's records (a function that cannot load its handler is retried without end, never committed).
    const records = await readWholeStream(stack);
    expect(records).toHaveLength(2 * sampleSize);
    const ends: Record<string, string> = {};
    for (const { shardId, sequenceNumber } of records) ends[shardId] = sequenceNumber;
    await eventually(
      async () =>
        expect(await readConsumerPositions(stateDir)).toEqual({
          'retail-stream-to-dynamo-local-writeInvoiceLines': ends,
          'retail-stream-to-s3-local-deliverRawEvents': ends,
        }),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    // The warehouse landed the second copy of every line, and every sink holds each line once.
    await eventually(
      async () => expect((await reconcile({ file: SAMPLE_FILE, stack })).warehouse?.landedRows).toBe(2 * sampleSize),
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const report = await waitForReconciliation({ file: SAMPLE_FILE, stack, timeoutMs: 60_000, intervalMs: 1_000 });
    expect(report.differences).toEqual([]);
    expect(report.notChecked).toEqual([]);
    expect(await failedRecordKeys()).toEqual([]);
  }, 300_000);
});
