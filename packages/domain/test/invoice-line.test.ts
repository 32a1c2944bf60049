import fc from 'fast-check';
import { readInvoiceLines, type InvoiceLineEvent } from '../src';

const kaggleRow = {
  InvoiceNo: '536365',
  StockCode: '85123A',
  Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
  Quantity: '6',
  InvoiceDate: '12/1/2010 8:26',
  UnitPrice: '2.55',
  CustomerID: '17850',
  Country: 'United Kingdom',
};
// The course client's body: pandas Series.to_json() of that row.
const pandasRow = {
  InvoiceNo: 536365,
  StockCode: '85123A',
  Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
  Quantity: 6,
  InvoiceDate: '12/1/2010 8:26',
  UnitPrice: 2.55,
  CustomerID: 17850.0,
  Country: 'United Kingdom',
};
const camelRow = {
  invoiceNo: '536365',
  stockCode: '85123A',
  description: 'WHITE HANGING HEART T-LIGHT HOLDER',
  quantity: 6,
  invoiceDate: '2010-12-01T08:26:00',
  unitPrice: '2.55',
  customerId: '17850',
  country: 'United Kingdom',
};
const retailIIRow = {
  Invoice: '536365',
  StockCode: '85123A',
  Description: 'WHITE HANGING HEART T-LIGHT HOLDER',
  Quantity: '6',
  InvoiceDate: '12/1/10 8:26',
  Price: '2.55',
  'Customer ID': '17850.0',
  Country: 'United Kingdom',
};

function onlyLine(rows: unknown[]): InvoiceLineEvent {
  const read = readInvoiceLines(rows);
  if (!read.ok) throw new Error(JSON.stringify(read.problems));
  expect(read.lines).toHaveLength(1);
  return read.lines[0]!;
}

describe('readInvoiceLines', () => {
  it('reads the same line from the CSV, the course client, camelCase and Online Retail II', () => {
    const expected = onlyLine([kaggleRow]);
    expect(expected).toMatchObject({
      invoiceNo: '536365',
      stockCode: '85123A',
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
      lineNo: null,
    });
    for (const row of [pandasRow, camelRow, retailIIRow]) expect(onlyLine([row])).toEqual(expected);
  });

  it('treats empty and null customer ids and descriptions as missing', () => {
    for (const missing of ['', null, '  ']) {
      const line = onlyLine([{ ...kaggleRow, CustomerID: missing, Description: missing }]);
      expect(line.customerId).toBeNull();
      expect(line.description).toBeNull();
    }
    const { CustomerID: _c, Description: _d, ...withoutOptional } = kaggleRow;
    expect(onlyLine([withoutOptional]).customerId).toBeNull();
  });

  it('derives cancellations, adjustments and non-product codes', () => {
    expect(
      onlyLine([{ ...kaggleRow, InvoiceNo: 'C536379', StockCode: 'D', Quantity: '-1', UnitPrice: '27.5' }]),
    ).toMatchObject({
      invoiceKind: 'cancellation',
      isCancellation: true,
      stockCodeKind: 'discount',
      isProduct: false,
      lineTotal: -27.5,
    });
    expect(
      onlyLine([{ ...kaggleRow, InvoiceNo: 'A563185', StockCode: 'B', Quantity: '1', UnitPrice: '-11062.06' }]),
    ).toMatchObject({
      invoiceKind: 'adjustment',
      stockCodeKind: 'bad-debt-adjustment',
      lineTotal: -11062.06,
    });
    expect(onlyLine([{ ...kaggleRow, StockCode: 'POST' }]).stockCodeKind).toBe('postage');
    expect(onlyLine([{ ...kaggleRow, StockCode: 'gift_0001_40' }]).stockCodeKind).toBe('gift-voucher');
    expect(onlyLine([{ ...kaggleRow, StockCode: '85123a' }]).stockCode).toBe('85123a');
  });

  it('reports every problem of every row, by row and by the column name the client used', () => {
    const read = readInvoiceLines([
      kaggleRow,
      { ...kaggleRow, InvoiceDate: '2/30/2011 8:26', Quantity: 'six' },
      { ...camelRow, unitPrice: '2.5551', colour: 'red' },
      { ...kaggleRow, InvoiceNo: '53636' },
      'not a row',
    ]);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems).toEqual([
      { row: 2, field: 'Quantity', message: "'six' is not a whole number" },
      { row: 2, field: 'InvoiceDate', message: "'2/30/2011 8:26' is not a real date and time" },
      { row: 3, field: 'colour', message: expect.stringMatching(/^unknown column; accepted columns are InvoiceNo, /) },
      { row: 3, field: 'unitPrice', message: "'2.5551' has more than 3 decimal places: expected a price such as 2.55" },
      { row: 4, field: 'InvoiceNo', message: expect.stringMatching(/'53636' is not an invoice number/) },
      { row: 5, field: '', message: 'a row must be an object keyed by column name, got string' },
    ]);
  });

  it('names missing columns and wrong types', () => {
    const { InvoiceNo: _i, ...noInvoice } = kaggleRow;
    const read = readInvoiceLines([noInvoice, { ...kaggleRow, Country: 5, InvoiceDate: 20101201 }]);
    expect(!read.ok && read.problems).toEqual([
      { row: 1, field: 'InvoiceNo', message: 'is required' },
      { row: 2, field: 'InvoiceDate', message: expect.stringMatching(/^must be a string/) },
      { row: 2, field: 'Country', message: 'must be a string' },
    ]);
  });
});

describe('line identity', () => {
  const rowArb = fc.record({
    InvoiceNo: fc.integer({ min: 536365, max: 581587 }).map(String),
    StockCode: fc.constantFrom('85123A', '71053', 'POST', 'M'),
    Quantity: fc.integer({ min: -100, max: 100 }),
    InvoiceDate: fc.constant('12/1/2010 8:26'),
    UnitPrice: fc.integer({ min: 0, max: 100_000 }).map((m) => m / 1000),
    Country: fc.constant('United Kingdom'),
  });

  it('gives exact duplicate rows distinct ids by position, and a replay the same ids', () => {
    fc.assert(
      fc.property(rowArb, fc.integer({ min: 2, max: 5 }), (row, copies) => {
        const rows = Array.from({ length: copies }, (_, i) => ({ ...row, LineNo: i + 1 }));
        const first = readInvoiceLines(rows);
        const replay = readInvoiceLines(rows);
        if (!first.ok || !replay.ok) throw new Error('valid rows refused');
        expect(new Set(first.lines.map((l) => l.lineId)).size).toBe(copies);
        expect(replay.lines.map((l) => l.lineId)).toEqual(first.lines.map((l) => l.lineId));
        expect(first.lines[0]!.lineId).toBe(`${row.InvoiceNo}:1`);
      }),
    );
  });

  it('without lineNo, identifies by content and occurrence within the request, stable across retries', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { minLength: 1, maxLength: 20 }), (rows) => {
        const withDuplicate = [...rows, rows[0]!];
        const first = readInvoiceLines(withDuplicate);
        const retry = readInvoiceLines(withDuplicate);
        if (!first.ok || !retry.ok) throw new Error('valid rows refused');
        expect(retry.lines.map((l) => l.lineId)).toEqual(first.lines.map((l) => l.lineId));
        expect(new Set(first.lines.map((l) => l.lineId)).size).toBe(withDuplicate.length);
      }),
    );
  });

  it('refuses two rows of one request claiming the same line', () => {
    const read = readInvoiceLines([
      { ...kaggleRow, LineNo: 1 },
      { ...kaggleRow, StockCode: '71053', LineNo: 1 },
    ]);
    expect(!read.ok && read.problems).toEqual([
      { row: 2, field: 'lineNo', message: expect.stringMatching(/line 536365:1 is also row 1/) },
    ]);
  });
});
