import type { StreamRecord } from '@retail/test-support';
import { MAX_BODY_BYTES, MAX_ROWS_PER_REQUEST } from '@retail/api-contract';
import type { RequestParts } from './support/api-gateway-event';
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
const CSV_HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const CSV_ROW = '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom';
const json = (body: unknown): RequestParts => ({ body: JSON.stringify(body) });
const csv = (...lines: string[]): RequestParts => ({
  body: lines.join('\r\n'),
  headers: { 'Content-Type': 'text/csv' },
});
const withoutColumns = (...names: string[]) =>
  Object.fromEntries(Object.entries(ROW).filter(([name]) => !names.includes(name)));

interface Refusal {
  request: RequestParts;
  status: number;
  message: RegExp;
  problems?: { row: number; field: string; message: RegExp }[];
}

const refusals: Record<string, Refusal> = {
  'broken JSON': {
    request: { body: '{"InvoiceNo":536365,"StockCode":' },
    status: 400,
    message: /not valid JSON \(Unexpected end of JSON input\)/,
  },
  'JSON with a trailing comma': {
    request: { body: `[${JSON.stringify(ROW)},]` },
    status: 400,
    message: /not valid JSON \(Unexpected token '\]'/,
  },
  'a JSON number instead of a row': {
    request: { body: '42' },
    status: 400,
    message: /JSON of type number, not an invoice line/,
  },
  'JSON null': { request: { body: 'null' }, status: 400, message: /JSON null/ },
  'an empty body': { request: { body: null }, status: 400, message: /body is empty/ },
  'a blank body': { request: { body: ' \r\n' }, status: 400, message: /body is empty/ },
  'an empty array': { request: json([]), status: 400, message: /empty array/ },
  'wrong types': {
    request: json({ ...ROW, Quantity: 'six', UnitPrice: true, Country: 44 }),
    status: 400,
    message: /1 of the rows is not a valid invoice line; nothing was written/,
    problems: [
      { row: 1, field: 'Quantity', message: /'six' is not a whole number/ },
      { row: 1, field: 'UnitPrice', message: /must be a string or a number/ },
      { row: 1, field: 'Country', message: /must be a string/ },
    ],
  },
  'missing columns': {
    request: json(withoutColumns('StockCode', 'InvoiceDate')),
    status: 400,
    message: /not a valid invoice line/,
    problems: [
      { row: 1, field: 'StockCode', message: /is required/ },
      { row: 1, field: 'InvoiceDate', message: /is required/ },
    ],
  },
  'an impossible date': {
    request: json({ ...ROW, InvoiceDate: '2/30/2011 8:26' }),
    status: 400,
    message: /not a valid invoice line/,
    problems: [{ row: 1, field: 'InvoiceDate', message: /'2\/30\/2011 8:26' is not a real date/ }],
  },
  'an unknown column': {
    request: json({ ...ROW, Colour: 'white' }),
    status: 400,
    message: /not a valid invoice line/,
    problems: [{ row: 1, field: 'Colour', message: /unknown column; accepted columns are InvoiceNo/ }],
  },
  'rows that are not objects, among valid ones': {
    request: json([ROW, 42, 'row', null, [ROW], ROW]),
    status: 400,
    message: /4 of the rows are not a valid invoice line; nothing was written/,
    problems: [
      { row: 2, field: '', message: /must be an object keyed by column name, got number/ },
      { row: 3, field: '', message: /got string/ },
      { row: 4, field: '', message: /got null/ },
      { row: 5, field: '', message: /got an array/ },
    ],
  },
  'one bad row among good ones (nothing of the request is written)': {
    request: json([ROW, ROW, { ...ROW, InvoiceNo: '53636' }]),
    status: 400,
    message: /1 of the rows is not a valid invoice line/,
    problems: [{ row: 3, field: 'InvoiceNo', message: /'53636' is not an invoice number/ }],
  },
  'two rows claiming the same lineNo': {
    request: json([
      { ...ROW, LineNo: 1 },
      { ...ROW, StockCode: '71053', LineNo: 1 },
    ]),
    status: 400,
    message: /not a valid invoice line/,
    problems: [{ row: 2, field: 'lineNo', message: /line 536365:1 is also row 1/ }],
  },
  'a CSV with a header only': { request: csv(CSV_HEADER, ''), status: 400, message: /header but no data rows/ },
  'a CSV with an unknown column': {
    request: csv(`${CSV_HEADER},Colour`, `${CSV_ROW},white`),
    status: 400,
    message: /unknown column 'Colour' in the CSV header/,
  },
  'a CSV row with a missing cell': {
    request: csv(CSV_HEADER, CSV_ROW, '536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850'),
    status: 400,
    message: /CSV body is malformed/,
  },
  'a CSV row with a bad value': {
    request: csv(CSV_HEADER, CSV_ROW, CSV_ROW.replace(',6,', ',6.5,')),
    status: 400,
    message: /not a valid invoice line/,
    problems: [{ row: 2, field: 'Quantity', message: /'6.5' is not a whole number/ }],
  },
  'a base64 body that is not UTF-8': {
    request: {
      body: Buffer.from(`${CSV_HEADER}\n${CSV_ROW.replace('WHITE', 'WHITE £')}`, 'latin1').toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'text/csv' },
    },
    status: 400,
    message: /not valid utf-8 text/,
  },
  'a text body that was not UTF-8 when sent': {
    request: { body: JSON.stringify({ ...ROW, Description: 'GIFT VOUCHER \uFFFD40.00' }) },
    status: 400,
    message: /U\+FFFD.*re-encode it as UTF-8/,
  },
  [`${MAX_ROWS_PER_REQUEST + 1} valid rows`]: {
    request: json(Array.from({ length: MAX_ROWS_PER_REQUEST + 1 }, () => ROW)),
    status: 413,
    message: /5001 rows; at most 5000/,
  },
  [`a CSV of ${MAX_ROWS_PER_REQUEST + 1} rows`]: {
    request: csv(CSV_HEADER, ...Array.from({ length: MAX_ROWS_PER_REQUEST + 1 }, () => CSV_ROW)),
    status: 413,
    message: /5001 rows; at most 5000/,
  },
  'a body one byte over the limit': {
    request: { body: JSON.stringify(ROW).padEnd(MAX_BODY_BYTES + 1, ' ') },
    status: 413,
    message: /5242881 bytes; at most 5242880/,
  },
  'a base64 body over the limit once decoded': {
    request: {
      body: Buffer.alloc(MAX_BODY_BYTES + 1, ' ').toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json' },
    },
    status: 413,
    message: /5242881 bytes/,
  },
  'text/plain': {
    request: { body: CSV_ROW, headers: { 'Content-Type': 'text/plain' } },
    status: 415,
    message: /Content-Type 'text\/plain' is not accepted: use application\/json or text\/csv/,
  },
  'a form post (curl -d without -H)': {
    request: { body: 'InvoiceNo=536365', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    status: 415,
    message: /not accepted/,
  },
  'application/xml': {
    request: { body: '<row/>', headers: { 'content-type': 'application/xml' } },
    status: 415,
    message: /not accepted/,
  },
  'an unknown charset': {
    request: { body: CSV_ROW, headers: { 'content-type': 'text/csv; charset=klingon' } },
    status: 415,
    message: /charset 'klingon'.*send UTF-8/,
  },
};

describe('POST /invoice-lines refuses what it cannot take, and writes nothing', () => {
  let ingest: IngestUnderTest;
  let before: StreamRecord[];

  beforeAll(async () => {
    for (const level of ['info', 'warn', 'error'] as const)
      jest.spyOn(console, level).mockImplementation(() => undefined);
    ingest = await startIngestUnderTest();
    // The stream is not empty: refusals must leave these records, and only these, on it.
    expect((await ingest.post(json([ROW, { ...ROW, InvoiceNo: 536366 }]))).statusCode).toBe(202);
    before = await ingest.stream.readRecords();
    expect(before).toHaveLength(2);
  });
  afterAll(async () => {
    await ingest.stream.stop();
    jest.restoreAllMocks();
  });

  it.each(Object.entries(refusals))('%s', async (_, { request, status, message, problems }) => {
    const answer = await ingest.post(request);

    expect(answer.statusCode).toBe(status);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.body.message).toMatch(message);
    if (problems) {
      expect(answer.body.problems).toEqual(
        problems.map((p) => ({ row: p.row, field: p.field, message: expect.stringMatching(p.message) })),
      );
    } else {
      expect(answer.body.problems).toBeUndefined();
    }
    if (status === 415) expect(answer.headers['accept-post']).toBe('application/json, text/csv');
    expect(await ingest.stream.readRecords()).toEqual(before);
  });
});
