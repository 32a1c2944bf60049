import { KinesisInvoiceLineStream } from '@retail/adapters';
import {
  captureEmittedMetrics,
  EMF_TO_CONSOLE_ENVIRONMENT,
  kinesisClientOf,
  refusePutRecordsEntries,
  type EmittedMetrics,
} from '@retail/test-support';
import { startIngestUnderTest, type IngestUnderTest } from './support/ingest-under-test';

const ROW = {
  InvoiceNo: 536365,
  StockCode: '85123A',
  Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
  Quantity: 6,
  InvoiceDate: '12/1/2010 8:26',
  UnitPrice: 2.55,
  CustomerID: 17850.0,
  Country: 'United Kingdom',
};
const rows = (count: number) => Array.from({ length: count }, (_, index) => ({ ...ROW, InvoiceNo: 536365 + index }));

describe('POST /invoice-lines counts its rows in EMF', () => {
  let ingest: IngestUnderTest;
  let emitted: () => EmittedMetrics[];

  beforeAll(async () => {
    // Before the handler's plumbing creates its metrics, as serverless.yml sets them on AWS.
    Object.assign(process.env, EMF_TO_CONSOLE_ENVIRONMENT, { POWERTOOLS_METRICS_NAMESPACE: 'Retail/test' });
    ingest = await startIngestUnderTest();
  });
  afterAll(async () => {
    await ingest.stream.stop();
  });
  beforeEach(() => {
    emitted = captureEmittedMetrics();
  });
  afterEach(() => jest.restoreAllMocks());

  it('accepted rows: every row put on the stream, none rejected', async () => {
    const answer = await ingest.post({ body: JSON.stringify(rows(3)) });

    expect(answer.statusCode).toBe(202);
    expect(emitted()).toEqual([
      {
        namespace: 'Retail/test',
        dimensions: { service: 'retail-ingest' },
        values: { AcceptedRows: 3, RejectedRows: 0, UnwrittenRows: 0 },
      },
    ]);
  });

  it('3 valid rows and 1 invalid: RejectedRows 1, and AcceptedRows 0, because the request is all or nothing', async () => {
    const answer = await ingest.post({ body: JSON.stringify([...rows(3), { ...ROW, Quantity: 'six' }]) });

    expect(answer.statusCode).toBe(400);
    expect(emitted().map(({ values }) => values)).toEqual([{ AcceptedRows: 0, RejectedRows: 1 }]);
  });

  it('valid rows the stream did not take after its retries: UnwrittenRows, the others AcceptedRows', async () => {
    const client = kinesisClientOf(ingest.stream.endpoint);
    refusePutRecordsEntries(client, (line) => line.invoiceNo === '536366');
    const noWait = { random: () => 0, retry: { maxAttempts: 2 } };
    const throttled = ingest.handlerWith(new KinesisInvoiceLineStream(client, ingest.stream.streamName, noWait));

    const answer = await ingest.post({ body: JSON.stringify(rows(3)) }, throttled);

    expect(answer.statusCode).toBe(503);
    expect(emitted().map(({ values }) => values)).toEqual([{ AcceptedRows: 2, RejectedRows: 0, UnwrittenRows: 1 }]);
  });
});
