import { KinesisInvoiceLineStream } from '@retail/adapters';
import { kinesisClientOf, refusePutRecordsEntries } from '@retail/test-support';
import { RETRY_AFTER_SECONDS } from '../src/http-responses';
import { startIngestUnderTest, type IngestUnderTest } from './support/ingest-under-test';

const rows = [536365, 536366, 536367, 536368].flatMap((invoiceNo) =>
  [1, 2].map((lineNo) => ({
    InvoiceNo: invoiceNo,
    LineNo: lineNo,
    StockCode: `8512${lineNo}A`,
    Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
    Quantity: 6,
    InvoiceDate: '12/1/2010 8:26',
    UnitPrice: 2.55,
    CustomerID: 17850,
    Country: 'United Kingdom',
  })),
);
const body = JSON.stringify(rows);
const noWait = { random: () => 0, retry: { maxAttempts: 3 } };

describe('POST /invoice-lines when the stream does not take every line', () => {
  let ingest: IngestUnderTest;

  beforeAll(async () => {
    for (const level of ['info', 'warn', 'error'] as const)
      jest.spyOn(console, level).mockImplementation(() => undefined);
    ingest = await startIngestUnderTest();
  });
  afterAll(async () => {
    await ingest.stream.stop();
    jest.restoreAllMocks();
  });

  it('answers 503 with Retry-After and the rows not written after retrying only those; a retry of the request completes it', async () => {
    const client = kinesisClientOf(ingest.stream.endpoint);
    const calls = refusePutRecordsEntries(client, (line) => line.lineId === '536366:2' || line.lineId === '536368:1');
    const throttled = ingest.handlerWith(new KinesisInvoiceLineStream(client, ingest.stream.streamName, noWait));

    const { result: answer, added } = await ingest.recordsAddedBy(() => ingest.post({ body }, throttled));

    expect(answer.statusCode).toBe(503);
    expect(answer.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
    expect(answer.body).toEqual({
      message: expect.stringMatching(
        /^2 of 8 rows could not be written to the stream; send the rows listed in failed again/,
      ),
      accepted: 6,
      failed: [
        { row: 4, lineId: '536366:2' },
        { row: 7, lineId: '536368:1' },
      ],
    });
    expect(calls.map((c) => c.sent)).toEqual([
      rows.map((r) => `${r.InvoiceNo}:${r.LineNo}`),
      ['536366:2', '536368:1'],
      ['536366:2', '536368:1'],
    ]);
    expect(added.map((r) => (r.data as { lineId: string }).lineId).sort()).toEqual([
      '536365:1',
      '536365:2',
      '536366:1',
      '536367:1',
      '536367:2',
      '536368:2',
    ]);

    // The client sends the same request again once the stream has room: same rows, same line ids.
    const { result: retried, added: addedByRetry } = await ingest.recordsAddedBy(() => ingest.post({ body }));
    expect(retried.statusCode).toBe(202);
    expect(retried.body.lines).toEqual(rows.map((r, i) => ({ row: i + 1, lineId: `${r.InvoiceNo}:${r.LineNo}` })));
    expect(addedByRetry).toHaveLength(8);
  });

  it('answers 202 when the refused entries get through on a later attempt', async () => {
    const client = kinesisClientOf(ingest.stream.endpoint);
    const calls = refusePutRecordsEntries(client, (line, call) => call === 1 && line.invoiceNo === '536367');
    const throttledOnce = ingest.handlerWith(new KinesisInvoiceLineStream(client, ingest.stream.streamName, noWait));

    const { result: answer, added } = await ingest.recordsAddedBy(() => ingest.post({ body }, throttledOnce));

    expect(answer.statusCode).toBe(202);
    expect(answer.body.accepted).toBe(8);
    expect(calls.map((c) => c.sent.length)).toEqual([8, 2]);
    expect(added).toHaveLength(8);
  });

  it('answers 503 naming every row when Kinesis cannot be reached', async () => {
    const unreachable = ingest.handlerWith(
      new KinesisInvoiceLineStream(kinesisClientOf('http://127.0.0.1:9'), ingest.stream.streamName, noWait),
    );

    const answer = await ingest.post({ body }, unreachable);

    expect(answer.statusCode).toBe(503);
    expect(answer.body.accepted).toBe(0);
    expect((answer.body.failed as unknown[]).length).toBe(8);
  }, 20_000);

  it('answers 500 without internals when the stream does not exist (a deployment fault, not worth retrying)', async () => {
    const misconfigured = ingest.handlerWith(
      new KinesisInvoiceLineStream(kinesisClientOf(ingest.stream.endpoint), 'retail-nowhere-invoice-lines', noWait),
    );

    const answer = await ingest.post({ body }, misconfigured);

    expect(answer.statusCode).toBe(500);
    expect(answer.body).toEqual({
      message: expect.stringMatching(/failed unexpectedly.*sending the same request again is safe/),
    });
    expect(JSON.stringify(answer.body)).not.toMatch(/nowhere|ResourceNotFound/);
  });
});
