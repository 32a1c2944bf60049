import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import {
  readSampleRows,
  sampleLines,
  eventually,
  firehoseClientOf,
  putAll,
  rawEventsDeliveryStream,
  startTestS3,
  type TestS3,
} from '@retail/test-support';
import type { InvoiceLineEvent } from '@retail/domain';
import { startLocalFirehose, type LocalFirehoseOptions } from '../../src/firehose';

const HOUR = 3_600_000;
const PROCESS_ENTRY = path.join(__dirname, 'support', 'local-firehose-process.ts');
const REPO_ROOT = path.resolve(__dirname, '../../../..');

let s3: TestS3;
let lines: InvoiceLineEvent[];
let stateDir: string;
let bucketName: string;
let buckets = 0;
const children: ChildProcess[] = [];

beforeAll(async () => {
  s3 = await startTestS3();
  lines = sampleLines(await readSampleRows()).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);
});
beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'firehose-durability-'));
  bucketName = `${rawEventsDeliveryStream().bucketName}-${++buckets}`;
});
afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(stateDir, { recursive: true, force: true });
});
afterAll(() => s3.close());

const options = (bufferingOverride: LocalFirehoseOptions['bufferingOverride']): LocalFirehoseOptions => ({
  stateDir,
  s3Endpoint: s3.endpoint,
  deliveryStreams: [{ ...rawEventsDeliveryStream(), bucketName }],
  bufferingOverride,
});
const logFile = () => path.join(stateDir, `${rawEventsDeliveryStream().name}.accepted-records.ndjson`);
const asRecord = (line: InvoiceLineEvent) => Buffer.from(JSON.stringify(line));
const byLineId = (a: unknown, b: unknown) =>
  (a as InvoiceLineEvent).lineId.localeCompare((b as InvoiceLineEvent).lineId);

/** The local Firehose in a child process, so it can be killed with SIGKILL mid-flight. */
async function startFirehoseProcess(
  processOptions: LocalFirehoseOptions,
): Promise<{ endpoint: string; child: ChildProcess; stderr: string[] }> {
  // tsx as a loader, not its CLI: the CLI runs the script in a grandchild that a SIGKILL of the child would miss.
  const child = spawn(process.execPath, ['--import', 'tsx', PROCESS_ENTRY, JSON.stringify(processOptions)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const endpoint = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const listening = /^listening (\S+)$/.exec(line);
      if (listening) resolve(listening[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`the Firehose process exited (${code}) before listening: ${stderr.join('\n')}`)),
    );
  });
  return { endpoint, child, stderr };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

async function deliveredLines(): Promise<unknown[]> {
  const delivered: unknown[] = [];
  for (const key of await s3.keys(bucketName)) delivered.push(...(await s3.jsonLines(bucketName, key)));
  return delivered;
}

describe('the local Firehose across a hard kill', () => {
  it('delivers at the next start every record it acknowledged before being killed, once', async () => {
    await s3.createBucket(bucketName);
    const { endpoint, child } = await startFirehoseProcess(options({ intervalInMilliseconds: HOUR }));
    const client = firehoseClientOf(endpoint);
    const sent = lines.slice(0, 1_200);
    await putAll(client, rawEventsDeliveryStream().name, sent.map(asRecord));
    client.destroy();
    await kill(child);
    expect(await s3.keys(bucketName)).toEqual([]);

    const messages: string[] = [];
    const restarted = await startLocalFirehose({
      ...options({ intervalInMilliseconds: HOUR }),
      log: (message) => messages.push(message),
    });
    await restarted.flush();
    expect(messages).toEqual([expect.stringContaining('resuming 1200 record(s) accepted before the last stop')]);
    expect((await deliveredLines()).sort(byLineId)).toEqual([...sent].sort(byLineId));

    // Delivered records leave the log: a third run has nothing to resume and writes nothing more.
    await restarted.stop();
    expect(await readFile(logFile(), 'utf8')).toBe('');
    const keys = await s3.keys(bucketName);
    const third = await startLocalFirehose({
      ...options({ intervalInMilliseconds: HOUR }),
      log: (message) => messages.push(message),
    });
    await third.stop();
    expect(await s3.keys(bucketName)).toEqual(keys);
    expect(messages).toHaveLength(1);
  });

  it('writes an object it was writing when killed again under the same key, so it is not duplicated', async () => {
    // No bucket yet: the object is sealed after 50 ms, its write fails and is retried until the kill.
    const { child, endpoint, stderr } = await startFirehoseProcess(options({ intervalInMilliseconds: 50 }));
    const client = firehoseClientOf(endpoint);
    const sent = lines.slice(0, 20).filter((line) => line.invoiceDate.startsWith('2010-12-01'));
    await putAll(client, rawEventsDeliveryStream().name, sent.map(asRecord));
    client.destroy();
    await eventually(() => expect(stderr.some((line) => line.includes('failed (attempt 1, retrying)'))).toBe(true));
    await kill(child);
    const delivering = (await readFile(logFile(), 'utf8'))
      .split('\n')
      .filter((line) => line.includes('"delivering"'))
      .map((line) => (JSON.parse(line) as { delivering: { key: string } }).delivering.key);
    expect(delivering).toHaveLength(1);

    await s3.createBucket(bucketName);
    const restarted = await startLocalFirehose({ ...options({ intervalInMilliseconds: HOUR }), log: () => undefined });
    await restarted.stop();
    expect(await s3.keys(bucketName)).toEqual(delivering);
    expect(await deliveredLines()).toEqual(sent);
  });

  it('ignores a torn last line, a write the process died in before acknowledging it', async () => {
    await s3.createBucket(bucketName);
    const first = await startLocalFirehose({ ...options({ intervalInMilliseconds: HOUR }), log: () => undefined });
    const client = firehoseClientOf(first.endpoint);
    await putAll(client, rawEventsDeliveryStream().name, lines.slice(0, 3).map(asRecord));
    client.destroy();
    // The log as a kill would leave it: copied now, put back torn after a clean stop delivered and emptied it.
    const logged = await readFile(logFile(), 'utf8');
    await first.stop();
    for (const key of await s3.keys(bucketName))
      await s3.client.send(new DeleteObjectCommand({ Bucket: bucketName, Key: key }));
    await writeFile(logFile(), `${logged}{"accepted":[{"id":"torn","arrivedAt":1,"da`);

    const restarted = await startLocalFirehose({ ...options({ intervalInMilliseconds: HOUR }), log: () => undefined });
    await restarted.stop();
    expect(await deliveredLines()).toEqual(lines.slice(0, 3));
  });
});
