import type { InvoiceLineStream } from '@retail/adapters';
import { readSampleRows } from '@retail/test-support';
import { startIngestUnderTest, type IngestUnderTest } from './support/ingest-under-test';
import {
  ErrorBodySchema,
  INGEST_MAX_ROWS,
  InvalidRowsBodySchema,
  InvoiceLineRowSchema,
  InvoiceLinesAcceptedBodySchema,
  InvoiceLinesNotWrittenBodySchema,
  PutInvoiceLinesJsonBodySchema,
} from '@retail/api-contract';

// The ingest handler as deployed, on an in-memory Kinesis: its real answers must be what the contract documents.
let ingest: IngestUnderTest;
let sampleRows: Record<string, string>[];

beforeAll(async () => {
  for (const level of ['info', 'warn', 'error'] as const)
    jest.spyOn(console, level).mockImplementation(() => undefined);
  [ingest, sampleRows] = await Promise.all([startIngestUnderTest(), readSampleRows()]);
});

afterAll(async () => {
  await ingest?.stream.stop();
  jest.restoreAllMocks();
});

const firstRow = () => ({ ...sampleRows[0]!, LineNo: 1 });

describe('POST /invoice-lines answers as the contract says', () => {
  it('202: a valid row of the sample, as the course client sends it (one object, no Content-Type)', async () => {
    expect(PutInvoiceLinesJsonBodySchema.safeParse(firstRow()).success).toBe(true);

    const answer = await ingest.post({ body: JSON.stringify(firstRow()) });

    expect(answer.statusCode).toBe(202);
    expect(InvoiceLinesAcceptedBodySchema.parse(answer.body)).toEqual({
      accepted: 1,
      lines: [{ row: 1, lineId: '536365:1' }],
    });
  });

  it('400 with problems: invalid rows', async () => {
    const answer = await ingest.post({
      body: JSON.stringify([firstRow(), { ...firstRow(), InvoiceNo: 'X1', Quantity: 'six' }]),
    });

    expect(answer.statusCode).toBe(400);
    const body = InvalidRowsBodySchema.parse(answer.body);
    expect(body.problems.map((problem) => [problem.row, problem.field])).toEqual([
      [2, 'InvoiceNo'],
      [2, 'Quantity'],
    ]);
  });

  it('400 without problems: a body that is not rows at all', async () => {
    const answer = await ingest.post({ body: 'not json' });

    expect(answer.statusCode).toBe(400);
    expect(ErrorBodySchema.parse(answer.body).message).toMatch(/not valid JSON/);
  });

  it('413: more rows than one request may carry', async () => {
    const rows = Array.from({ length: INGEST_MAX_ROWS + 1 }, (_, index) => ({ ...firstRow(), LineNo: index + 1 }));
    expect(PutInvoiceLinesJsonBodySchema.safeParse(rows).success).toBe(false);

    const answer = await ingest.post({ body: JSON.stringify(rows) });

    expect(answer.statusCode).toBe(413);
    ErrorBodySchema.parse(answer.body);
  });

  it('415: a media type the endpoint does not read, with accept-post', async () => {
    const answer = await ingest.post({ body: '<row/>', headers: { 'content-type': 'application/xml' } });

    expect(answer.statusCode).toBe(415);
    ErrorBodySchema.parse(answer.body);
    expect(answer.headers['accept-post']).toBe('application/json, text/csv');
  });

  it('503 with the rows to send again, when the stream takes none', async () => {
    const refusing: InvoiceLineStream = {
      put: async (lines) => ({
        put: 0,
        notPut: lines.map((line, index) => ({
          index,
          lineId: line.lineId,
          errorCode: 'ProvisionedThroughputExceededException',
        })),
      }),
    };

    const answer = await ingest.post({ body: JSON.stringify(firstRow()) }, ingest.handlerWith(refusing));

    expect(answer.statusCode).toBe(503);
    expect(InvoiceLinesNotWrittenBodySchema.parse(answer.body)).toMatchObject({
      accepted: 0,
      failed: [{ row: 1, lineId: '536365:1' }],
    });
    expect(answer.headers['retry-after']).toBeDefined();
  });
});

describe('the documented request row', () => {
  it('accepts every row of the sample under any of its column names, and refuses unknown columns', () => {
    for (const row of sampleRows) expect(InvoiceLineRowSchema.safeParse(row).success).toBe(true);
    expect(
      InvoiceLineRowSchema.safeParse({
        invoiceNo: '536365',
        stockCode: '85123A',
        quantity: 6,
        invoiceDate: '2010-12-01T08:26:00',
        unitPrice: 2.55,
        country: 'United Kingdom',
      }).success,
    ).toBe(true);
    expect(InvoiceLineRowSchema.safeParse({ ...firstRow(), Colour: 'white' }).success).toBe(false);
  });
});
