import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { InvoiceLineEvent } from '@retail/domain';
import { MAX_BODY_BYTES } from '@retail/api-contract';
import { startIngestUnderTest, type IngestUnderTest } from './support/ingest-under-test';

// The course client: pandas reads the CSV and POSTs `Series.to_json()` of each row, with no Content-Type.
const COURSE_CLIENT_BODY =
  '{"InvoiceNo":536365,"StockCode":"85123A","Description":"WHITE HANGING HEART T-LIGHT HOLDER","Quantity":6,"InvoiceDate":"12\\/1\\/2010 8:26","UnitPrice":2.55,"CustomerID":17850.0,"Country":"United Kingdom"}';
const COURSE_CLIENT_ROW_WITH_MISSING_VALUES =
  '{"InvoiceNo":536414,"StockCode":"22139","Description":null,"Quantity":56,"InvoiceDate":"12\\/1\\/2010 11:52","UnitPrice":0.0,"CustomerID":null,"Country":"United Kingdom"}';

/** The header and first data lines of the sample (ISO-8859-1, CRLF), as bytes. */
function sampleCsvLines(dataLines: number): Buffer {
  const bytes = readFileSync(resolve(__dirname, '../../../data/online-retail-sample.csv'));
  const end = bytes.indexOf('\r\n', 0, 'latin1');
  let cut = end;
  for (let i = 0; i < dataLines; i++) cut = bytes.indexOf('\r\n', cut + 2, 'latin1');
  return bytes.subarray(0, cut + 2);
}

const asLines = (records: { data: unknown }[]) => records.map((r) => r.data as InvoiceLineEvent);

describe('POST /invoice-lines', () => {
  let ingest: IngestUnderTest;
  let logged: string[];

  beforeAll(async () => {
    ingest = await startIngestUnderTest();
  });
  afterAll(async () => {
    await ingest.stream.stop();
  });
  beforeEach(() => {
    logged = [];
    const capture = (line?: unknown): void => {
      logged.push(String(line));
    };
    jest.spyOn(console, 'info').mockImplementation(capture);
    jest.spyOn(console, 'warn').mockImplementation(capture);
    jest.spyOn(console, 'error').mockImplementation(capture);
  });
  afterEach(() => jest.restoreAllMocks());

  it("accepts the course client's body with no Content-Type and puts its canonical line on the stream", async () => {
    const { result, added } = await ingest.recordsAddedBy(() => ingest.post({ body: COURSE_CLIENT_BODY }));

    expect(result.statusCode).toBe(202);
    expect(added).toHaveLength(1);
    const [record] = added;
    expect(record!.partitionKey).toBe('536365');
    expect(record!.data).toEqual({
      lineId: expect.stringMatching(/^536365:c-[0-9a-f]{16}-1$/),
      invoiceNo: '536365',
      lineNo: null,
      stockCode: '85123A',
      description: 'WHITE HANGING HEART T-LIGHT HOLDER',
      quantity: 6,
      invoiceDate: '2010-12-01T08:26:00',
      unitPrice: 2.55,
      customerId: '17850',
      country: 'United Kingdom',
      lineTotal: 15.3,
      invoiceKind: 'sale',
      isCancellation: false,
      stockCodeKind: 'product',
      isProduct: true,
    });
    expect(result.body).toEqual({
      accepted: 1,
      lines: [{ row: 1, lineId: (record!.data as InvoiceLineEvent).lineId }],
    });
    expect(result.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('gives a re-sent row the same line id, so a client retry is safe', async () => {
    const first = await ingest.post({ body: COURSE_CLIENT_ROW_WITH_MISSING_VALUES });
    const again = await ingest.post({ body: COURSE_CLIENT_ROW_WITH_MISSING_VALUES });

    expect(first.statusCode).toBe(202);
    expect(again.body).toEqual(first.body);
  });

  it('reads null as a missing value from the course client', async () => {
    const { added } = await ingest.recordsAddedBy(() => ingest.post({ body: COURSE_CLIENT_ROW_WITH_MISSING_VALUES }));

    expect(asLines(added)).toEqual([
      expect.objectContaining({ invoiceNo: '536414', description: null, customerId: null, unitPrice: 0, lineTotal: 0 }),
    ]);
  });

  it('accepts an array of rows: every row on the stream, keyed by invoice, each invoice in request order', async () => {
    const rows = [
      {
        InvoiceNo: 536365,
        StockCode: '85123A',
        Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
        Quantity: 6,
        InvoiceDate: '12/1/2010 8:26',
        UnitPrice: 2.55,
        CustomerID: 17850,
        Country: 'United Kingdom',
      },
      {
        InvoiceNo: 536366,
        StockCode: '22633',
        Description: 'HAND WARMER UNION JACK',
        Quantity: 6,
        InvoiceDate: '12/1/2010 8:28',
        UnitPrice: 1.85,
        CustomerID: 17850,
        Country: 'United Kingdom',
      },
      {
        InvoiceNo: 536365,
        StockCode: '71053',
        Description: 'WHITE METAL LANTERN',
        Quantity: 6,
        InvoiceDate: '12/1/2010 8:26',
        UnitPrice: 3.39,
        CustomerID: 17850,
        Country: 'United Kingdom',
      },
      {
        InvoiceNo: 'C536379',
        StockCode: 'D',
        Description: 'Discount',
        Quantity: -1,
        InvoiceDate: '12/1/2010 9:41',
        UnitPrice: 27.5,
        CustomerID: 14527,
        Country: 'United Kingdom',
      },
      {
        InvoiceNo: 536366,
        StockCode: '22632',
        Description: 'HAND WARMER RED POLKA DOT',
        Quantity: 6,
        InvoiceDate: '12/1/2010 8:28',
        UnitPrice: 1.85,
        CustomerID: 17850,
        Country: 'United Kingdom',
      },
      // An exact duplicate is a real line of the data set: it gets its own id.
      {
        InvoiceNo: 536365,
        StockCode: '85123A',
        Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
        Quantity: 6,
        InvoiceDate: '12/1/2010 8:26',
        UnitPrice: 2.55,
        CustomerID: 17850,
        Country: 'United Kingdom',
      },
    ];
    const { result, added } = await ingest.recordsAddedBy(() =>
      ingest.post({ body: JSON.stringify(rows), headers: { 'Content-Type': 'application/json' } }),
    );

    expect(result.statusCode).toBe(202);
    const answered = result.body.lines as { row: number; lineId: string }[];
    expect(answered.map((l) => l.row)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(answered.map((l) => l.lineId)).size).toBe(6);
    expect(
      asLines(added)
        .map((l) => l.lineId)
        .sort(),
    ).toEqual(answered.map((l) => l.lineId).sort());
    for (const record of added) expect(record.partitionKey).toBe((record.data as InvoiceLineEvent).invoiceNo);
    for (const invoiceNo of ['536365', '536366', 'C536379']) {
      const onStream = added.filter((r) => r.partitionKey === invoiceNo);
      expect(new Set(onStream.map((r) => r.shardId)).size).toBe(1);
      const requestOrder = answered.filter((_, i) => String(rows[i]!.InvoiceNo) === invoiceNo).map((l) => l.lineId);
      expect(asLines(onStream).map((l) => l.lineId)).toEqual(requestOrder);
    }
    expect(asLines(added).find((l) => l.invoiceNo === 'C536379')).toMatchObject({
      invoiceKind: 'cancellation',
      stockCodeKind: 'discount',
      lineTotal: -27.5,
    });
  });

  it("accepts text/csv with the data set's header, and gives its rows the ids the same rows get as JSON", async () => {
    const csv = sampleCsvLines(20).toString('latin1');
    const { result, added } = await ingest.recordsAddedBy(() =>
      ingest.post({ body: csv, headers: { 'content-type': 'text/csv; charset=utf-8' } }),
    );

    expect(result.statusCode).toBe(202);
    expect(result.body.accepted).toBe(20);
    expect(added).toHaveLength(20);
    const first = asLines(added).find((l) => l.stockCode === '85123A');
    expect(first).toMatchObject({
      invoiceNo: '536365',
      quantity: 6,
      unitPrice: 2.55,
      customerId: '17850',
      invoiceDate: '2010-12-01T08:26:00',
    });

    const [header, ...dataLines] = csv.trimEnd().split('\r\n');
    const columns = header!.split(',');
    const rows = dataLines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i], value])));
    const asJson = await ingest.post({ body: JSON.stringify(rows) });
    expect(asJson.body.lines).toEqual(result.body.lines);
  });

  it('accepts text/csv with the Online Retail II header', async () => {
    const csv = [
      'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country',
      '489434,85048,"15CM CHRISTMAS GLASS BALL 20 LIGHTS",12,12/1/09 7:45,6.95,13085.0,United Kingdom',
      '489434,79323P,PINK CHERRY LIGHTS,12,12/1/09 7:45,6.75,13085.0,United Kingdom',
      'C489449,22087,"PAPER BUNTING WHITE LACE",-12,12/1/09 10:33,2.95,16321.0,Australia',
    ].join('\n');
    const { result, added } = await ingest.recordsAddedBy(() =>
      ingest.post({ body: csv, headers: { 'Content-Type': 'text/csv' } }),
    );

    expect(result.statusCode).toBe(202);
    expect(asLines(added).sort((a, b) => a.stockCode.localeCompare(b.stockCode))).toEqual([
      expect.objectContaining({
        invoiceNo: 'C489449',
        stockCode: '22087',
        quantity: -12,
        customerId: '16321',
        country: 'Australia',
        invoiceDate: '2009-12-01T10:33:00',
      }),
      expect.objectContaining({ invoiceNo: '489434', stockCode: '79323P', unitPrice: 6.75 }),
      expect.objectContaining({
        invoiceNo: '489434',
        stockCode: '85048',
        description: '15CM CHRISTMAS GLASS BALL 20 LIGHTS',
        lineTotal: 83.4,
      }),
    ]);
  });

  it('accepts camelCase rows, and a lineNo gives the positional id <invoiceNo>:<lineNo>', async () => {
    const rows = [1, 2].map((lineNo) => ({
      invoiceNo: '536367',
      lineNo,
      stockCode: lineNo === 1 ? '84879' : '22745',
      description: 'ASSORTED COLOUR BIRD ORNAMENT',
      quantity: 32,
      invoiceDate: '2010-12-01T08:34:00',
      unitPrice: 1.69,
      customerId: '13047',
      country: 'United Kingdom',
    }));
    const { result, added } = await ingest.recordsAddedBy(() =>
      ingest.post({ body: JSON.stringify(rows), headers: { 'content-type': 'application/json; charset=UTF-8' } }),
    );

    expect(result.body).toEqual({
      accepted: 2,
      lines: [
        { row: 1, lineId: '536367:1' },
        { row: 2, lineId: '536367:2' },
      ],
    });
    expect(asLines(added).map((l) => [l.lineId, l.lineNo])).toEqual([
      ['536367:1', 1],
      ['536367:2', 2],
    ]);
  });

  it('decodes a base64 body with the charset its Content-Type names (the sample file is ISO-8859-1)', async () => {
    const sample = readFileSync(resolve(__dirname, '../../../data/online-retail-sample.csv'));
    const header = sampleCsvLines(0);
    const voucherLine = sample.subarray(sample.indexOf('539492,gift_0001_40', 0, 'latin1'));
    const body = Buffer.concat([header, voucherLine.subarray(0, voucherLine.indexOf('\r\n', 0, 'latin1'))]);
    expect(body.includes(0xa3)).toBe(true); // '£' in ISO-8859-1

    const { result, added } = await ingest.recordsAddedBy(() =>
      ingest.post({
        body: body.toString('base64'),
        isBase64Encoded: true,
        headers: { 'content-type': 'text/csv; charset=ISO-8859-1' },
      }),
    );

    expect(result.statusCode).toBe(202);
    expect(asLines(added)).toEqual([
      expect.objectContaining({
        stockCode: 'gift_0001_40',
        description: 'Dotcomgiftshop Gift Voucher £40.00',
        stockCodeKind: 'gift-voucher',
        customerId: null,
      }),
    ]);
  });

  it(`accepts a body of exactly ${MAX_BODY_BYTES} bytes`, async () => {
    const body = COURSE_CLIENT_BODY.padEnd(MAX_BODY_BYTES, ' ');
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);

    expect((await ingest.post({ body })).statusCode).toBe(202);
  });

  it('logs the Lambda request id and the API Gateway request id on every line', async () => {
    const { invoiceLinesRequest, PUT_INVOICE_LINES_FUNCTION } = await import('./support/api-gateway-event');
    const { lambdaContext } = await import('@retail/test-support');
    const event = invoiceLinesRequest({ body: COURSE_CLIENT_BODY });
    const context = lambdaContext(PUT_INVOICE_LINES_FUNCTION);
    await ingest.handler(event, context);
    await ingest.handler(invoiceLinesRequest({ body: '{' }), lambdaContext(PUT_INVOICE_LINES_FUNCTION));

    const lines = logged.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      service: 'retail-ingest',
      function_request_id: context.awsRequestId,
      correlation_id: event.requestContext.requestId,
      statusCode: 202,
    });
    expect(lines[1]).toMatchObject({
      level: 'WARN',
      statusCode: 400,
      function_request_id: expect.any(String),
      correlation_id: expect.any(String),
    });
    expect(lines[1]!.function_request_id).not.toBe(context.awsRequestId);
    expect(lines[1]!.correlation_id).not.toBe(event.requestContext.requestId);
  });
});
