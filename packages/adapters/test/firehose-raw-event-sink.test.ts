import {
  readSampleRows,
  sampleLines,
  refusePutRecordBatchEntries,
  firehoseClientOf,
  rawEventsDeliveryStream,
  startRawEventsFirehose,
  startTestS3,
  type RawEventsFirehose,
  type TestS3,
} from '@retail/test-support';
import { FirehoseRawEventSink, PUT_RECORD_BATCH_MAX_BYTES } from '../src';
import type { InvoiceLineEvent } from '@retail/domain';

const HOUR = 3_600_000;
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };

let s3: TestS3;
let raw: RawEventsFirehose;
let lines: InvoiceLineEvent[];
let buckets = 0;

beforeAll(async () => {
  s3 = await startTestS3();
  // As they travel: JSON has no -0.
  lines = sampleLines(await readSampleRows()).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);
});
beforeEach(async () => {
  const bucketName = `${rawEventsDeliveryStream().bucketName}-${++buckets}`;
  await s3.createBucket(bucketName);
  raw = await startRawEventsFirehose(s3, { bufferingOverride: { intervalInMilliseconds: HOUR }, bucketName });
});
afterEach(() => raw.close());
afterAll(() => s3.close());

/** Everything in the raw bucket, each object's lines in order. */
async function archived(): Promise<unknown[]> {
  await raw.firehose.flush();
  const delivered: unknown[] = [];
  for (const key of await s3.keys(raw.bucket)) delivered.push(...(await s3.jsonLines(raw.bucket, key)));
  return delivered;
}
const byLineId = (a: unknown, b: unknown) =>
  (a as InvoiceLineEvent).lineId.localeCompare((b as InvoiceLineEvent).lineId);

describe('FirehoseRawEventSink', () => {
  it('sends each event as its canonical JSON, 500 records per PutRecordBatch at most', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    const calls = refusePutRecordBatchEntries(client, () => false);
    const sent = lines.slice(0, 1_200);
    const result = await new FirehoseRawEventSink(client, raw.streamName).deliver(sent);
    expect(result).toEqual({ delivered: 1_200, notDelivered: [] });
    expect(calls.map((call) => call.sent.length)).toEqual([500, 500, 200]);
    expect((await archived()).sort(byLineId)).toEqual([...sent].sort(byLineId));
  });

  it('starts a new call before a batch would pass 4 MiB of record data', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    const calls = refusePutRecordBatchEntries(client, () => false);
    // 50 events of about 100 KB: 5 MB in all, more than one call can carry.
    const large = lines.slice(0, 50).map((line) => ({ ...line, description: 'X'.repeat(100_000) }));
    expect((await new FirehoseRawEventSink(client, raw.streamName).deliver(large)).delivered).toBe(50);
    expect(calls).toHaveLength(2);
    expect(calls.every((call) => call.bytes <= PUT_RECORD_BATCH_MAX_BYTES)).toBe(true);
    expect(calls[0]!.bytes + JSON.stringify(large[calls[0]!.sent.length]).length).toBeGreaterThan(
      PUT_RECORD_BATCH_MAX_BYTES,
    );
    expect(await archived()).toHaveLength(50);
  });

  it('sends again only the entries Firehose refused, until it takes them', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    const refusedOnce = new Set([lines[3]!.lineId, lines[7]!.lineId]);
    const calls = refusePutRecordBatchEntries(client, ({ lineId }, call) => call === 1 && refusedOnce.has(lineId));
    const sent = lines.slice(0, 10);
    const result = await new FirehoseRawEventSink(client, raw.streamName, { retry: FAST_RETRY }).deliver(sent);
    expect(result).toEqual({ delivered: 10, notDelivered: [] });
    expect(calls.map((call) => call.sent)).toEqual([sent.map((line) => line.lineId), [...refusedOnce]]);
    // Archived once each: the refused entries never reached Firehose the first time.
    expect((await archived()).sort(byLineId)).toEqual([...sent].sort(byLineId));
  });

  it('reports the entries still refused after the last attempt, with their position and reason', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    const calls = refusePutRecordBatchEntries(client, ({ lineId }) => lineId === lines[2]!.lineId);
    const sent = lines.slice(0, 5);
    const result = await new FirehoseRawEventSink(client, raw.streamName, {
      retry: { ...FAST_RETRY, maxAttempts: 3 },
    }).deliver(sent);
    expect(result).toEqual({
      delivered: 4,
      notDelivered: [{ index: 2, lineId: lines[2]!.lineId, errorCode: 'ServiceUnavailableException' }],
    });
    expect(calls.map((call) => call.sent.length)).toEqual([5, 1, 1]);
    expect((await archived()).sort(byLineId)).toEqual(sent.filter((_, i) => i !== 2).sort(byLineId));
  });

  it('waits between attempts with full jitter under an exponential ceiling', async () => {
    const timeToDeliver = async (random: () => number) => {
      const client = firehoseClientOf(raw.firehose.endpoint);
      refusePutRecordBatchEntries(client, (_, call) => call <= 3);
      const started = Date.now();
      await new FirehoseRawEventSink(client, raw.streamName, {
        retry: { baseDelayMs: 40, maxDelayMs: 1_000 },
        random,
      }).deliver(lines.slice(0, 1));
      client.destroy();
      return Date.now() - started;
    };
    // At the top of the jitter the waits are the ceilings, 40 + 80 + 160 ms; at the bottom they are nothing.
    expect(await timeToDeliver(() => 0.999)).toBeGreaterThanOrEqual(270);
    expect(await timeToDeliver(() => 0)).toBeLessThan(270);
  });

  it('reports every event as not delivered when Firehose cannot be reached', async () => {
    const unreachable = firehoseClientOf('http://127.0.0.1:9');
    const result = await new FirehoseRawEventSink(unreachable, raw.streamName).deliver(lines.slice(0, 3));
    expect(result.delivered).toBe(0);
    expect(result.notDelivered.map((entry) => entry.index)).toEqual([0, 1, 2]);
    unreachable.destroy();
  });

  it('throws when the delivery stream does not exist: a fault of the deployment, not of the events', async () => {
    const client = firehoseClientOf(raw.firehose.endpoint);
    await expect(
      new FirehoseRawEventSink(client, 'retail-test-no-such-stream').deliver(lines.slice(0, 1)),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});
