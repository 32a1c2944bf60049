import { readInvoiceLines, type InvoiceLineEvent } from '@retail/domain';
import { KinesisInvoiceLineStream } from '../src';
import {
  kinesisClientOf,
  startKinesisTestStream,
  type KinesisTestStream,
  refusePutRecordsEntries,
} from '@retail/test-support';

/** `count` canonical lines spread round-robin over `invoices` invoices, numbered within each invoice. */
function invoiceLines(count: number, invoices = 3): InvoiceLineEvent[] {
  const lineNos = new Map<number, number>();
  const rows = Array.from({ length: count }, (_, i) => {
    const invoice = 536365 + (i % invoices);
    const lineNo = (lineNos.get(invoice) ?? 0) + 1;
    lineNos.set(invoice, lineNo);
    return {
      InvoiceNo: invoice,
      StockCode: '85123A',
      Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
      Quantity: 6,
      InvoiceDate: '12/1/2010 8:26',
      UnitPrice: 2.55,
      CustomerID: 17850,
      Country: 'United Kingdom',
      LineNo: lineNo,
    };
  });
  const read = readInvoiceLines(rows);
  if (!read.ok) throw new Error(JSON.stringify(read.problems));
  return read.lines;
}

const noWait = { random: () => 0 };

describe('KinesisInvoiceLineStream', () => {
  let stream: KinesisTestStream;

  beforeEach(async () => {
    stream = await startKinesisTestStream();
  });
  afterEach(async () => {
    await stream.stop();
  });

  it('puts each line as its canonical event, keyed by invoice number, each invoice in order', async () => {
    const lines = invoiceLines(30, 8);
    const put = await new KinesisInvoiceLineStream(kinesisClientOf(stream.endpoint), stream.streamName).put(lines);

    expect(put).toEqual({ put: 30, notPut: [] });
    const records = await stream.readRecords();
    expect(records.map((r) => r.data)).toHaveLength(30);
    expect(new Set(records.map((r) => r.shardId)).size).toBeGreaterThan(1);
    for (const record of records) expect(record.partitionKey).toBe((record.data as InvoiceLineEvent).invoiceNo);
    for (const invoiceNo of new Set(lines.map((l) => l.invoiceNo))) {
      const arrived = records.filter((r) => r.partitionKey === invoiceNo);
      expect(new Set(arrived.map((r) => r.shardId)).size).toBe(1);
      expect(arrived.map((r) => r.data)).toEqual(lines.filter((l) => l.invoiceNo === invoiceNo));
    }
  });

  it('sends at most 500 records per PutRecords call, batches in order', async () => {
    const client = kinesisClientOf(stream.endpoint);
    const calls = refusePutRecordsEntries(client, () => false);
    const lines = invoiceLines(1_001);

    const put = await new KinesisInvoiceLineStream(client, stream.streamName).put(lines);

    expect(put).toEqual({ put: 1_001, notPut: [] });
    expect(calls.map((c) => c.sent.length)).toEqual([500, 500, 1]);
    expect(calls.flatMap((c) => c.sent)).toEqual(lines.map((l) => l.lineId));
    expect(await stream.readRecords()).toHaveLength(1_001);
  });

  it('re-sends only the entries Kinesis refused, until they are on the stream', async () => {
    const client = kinesisClientOf(stream.endpoint);
    const lines = invoiceLines(10);
    const refusedOnce = new Set([lines[2]!.lineId, lines[7]!.lineId]);
    const refusedTwice = lines[7]!.lineId;
    const calls = refusePutRecordsEntries(
      client,
      (line, call) => (call === 1 && refusedOnce.has(line.lineId)) || (call === 2 && line.lineId === refusedTwice),
    );

    const put = await new KinesisInvoiceLineStream(client, stream.streamName, noWait).put(lines);

    expect(put).toEqual({ put: 10, notPut: [] });
    expect(calls).toEqual([
      { sent: lines.map((l) => l.lineId), refused: [lines[2]!.lineId, lines[7]!.lineId] },
      { sent: [lines[2]!.lineId, lines[7]!.lineId], refused: [lines[7]!.lineId] },
      { sent: [lines[7]!.lineId], refused: [] },
    ]);
    const arrived = (await stream.readRecords()).map((r) => (r.data as InvoiceLineEvent).lineId);
    expect(arrived.sort()).toEqual(lines.map((l) => l.lineId).sort());
  });

  it('gives up after the last attempt and reports the lines still refused', async () => {
    const client = kinesisClientOf(stream.endpoint);
    const lines = invoiceLines(5);
    const stuck = lines[3]!;
    const calls = refusePutRecordsEntries(client, (line) => line.lineId === stuck.lineId);

    const put = await new KinesisInvoiceLineStream(client, stream.streamName, {
      ...noWait,
      retry: { maxAttempts: 3 },
    }).put(lines);

    expect(put).toEqual({
      put: 4,
      notPut: [{ index: 3, lineId: stuck.lineId, errorCode: 'ProvisionedThroughputExceededException' }],
    });
    expect(calls.map((c) => c.sent)).toEqual([lines.map((l) => l.lineId), [stuck.lineId], [stuck.lineId]]);
    const arrived = (await stream.readRecords()).map((r) => (r.data as InvoiceLineEvent).lineId);
    expect(arrived.sort()).toEqual(
      lines
        .filter((l) => l !== stuck)
        .map((l) => l.lineId)
        .sort(),
    );
  });

  it('does not send later batches once a batch keeps failing, so no line overtakes a refused one', async () => {
    const client = kinesisClientOf(stream.endpoint);
    const lines = invoiceLines(700);
    const calls = refusePutRecordsEntries(client, (line) => line.lineId === lines[10]!.lineId);

    const put = await new KinesisInvoiceLineStream(client, stream.streamName, {
      ...noWait,
      retry: { maxAttempts: 2 },
    }).put(lines);

    expect(put.put).toBe(499);
    expect(put.notPut[0]).toEqual({
      index: 10,
      lineId: lines[10]!.lineId,
      errorCode: 'ProvisionedThroughputExceededException',
    });
    expect(put.notPut.slice(1)).toEqual(
      lines.slice(500).map((l, i) => ({ index: 500 + i, lineId: l.lineId, errorCode: 'NotAttempted' })),
    );
    expect(calls.map((c) => c.sent.length)).toEqual([500, 1]);
    expect(await stream.readRecords()).toHaveLength(499);
  });

  it('waits with exponential backoff between attempts (full jitter, here pinned near its ceiling)', async () => {
    const client = kinesisClientOf(stream.endpoint);
    const lines = invoiceLines(2);
    refusePutRecordsEntries(client, (line) => line.lineId === lines[0]!.lineId);
    const retry = { maxAttempts: 4, baseDelayMs: 40, maxDelayMs: 60 };

    const started = performance.now();
    await new KinesisInvoiceLineStream(client, stream.streamName, { retry, random: () => 0.999 }).put(lines);
    const elapsed = performance.now() - started;

    // 40, then 80 capped to 60, then 60: about 160 ms of waiting; with no jitter at 0 it would be none.
    expect(elapsed).toBeGreaterThanOrEqual(155);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('reports every line as not put when Kinesis cannot be reached', async () => {
    const unreachable = kinesisClientOf('http://127.0.0.1:9');
    const lines = invoiceLines(3);

    const put = await new KinesisInvoiceLineStream(unreachable, stream.streamName, noWait).put(lines);

    expect(put.put).toBe(0);
    expect(put.notPut.map((l) => l.index)).toEqual([0, 1, 2]);
    expect(put.notPut.every((l) => l.errorCode !== 'NotAttempted')).toBe(true);
  }, 20_000);

  it('throws when the stream does not exist: a deployment fault, not an outage', async () => {
    const put = new KinesisInvoiceLineStream(kinesisClientOf(stream.endpoint), 'no-such-stream', noWait).put(
      invoiceLines(1),
    );

    await expect(put).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
