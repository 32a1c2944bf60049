import { consecutiveLinesOf, extendSummary, linesCountedThrough, summariseInvoice } from '../src/invoice-summary';
import type { InvoiceLineEvent } from '../src/invoice-line-event';

type SummarisedLine = Parameters<typeof consecutiveLinesOf>[0][number];

function line(lineNo: number | null, lineTotal = 1.5, invoiceDate = '2010-12-01T08:26:00'): SummarisedLine {
  return {
    invoiceNo: '536365',
    invoiceDate,
    customerId: '17850',
    country: 'United Kingdom',
    invoiceKind: 'sale',
    lineTotal,
    lineNo,
  };
}

describe('consecutiveLinesOf', () => {
  it('gives the run and the summary of lines numbered without a gap, in any order', () => {
    const lines = [line(5, 0.1), line(3, 0.2), line(4, 0.005)];

    expect(consecutiveLinesOf(lines)).toEqual({ firstLineNo: 3, lastLineNo: 5, summary: summariseInvoice(lines) });
    expect(consecutiveLinesOf(lines)?.summary).toMatchObject({ lineCount: 3, total: 0.305 });
  });

  it.each([
    ['a gap', [line(1), line(3)]],
    ['a number given twice', [line(1), line(2), line(2)]],
    ['a line without a number', [line(1), line(null)]],
    ['no line', []],
  ])('is undefined for %s', (_, lines) => {
    expect(consecutiveLinesOf(lines)).toBeUndefined();
  });
});

describe('linesCountedThrough', () => {
  it('is n only for exactly the lines 1..n', () => {
    const numbered = (...lineNos: (number | null)[]) =>
      lineNos.map((lineNo) => ({ lineNo }) satisfies Pick<InvoiceLineEvent, 'lineNo'>);

    expect(linesCountedThrough(numbered(2, 1, 3))).toBe(3);
    expect(linesCountedThrough(numbered(2, 3))).toBeUndefined();
    expect(linesCountedThrough(numbered(1, 3))).toBeUndefined();
    expect(linesCountedThrough(numbered(1, null))).toBeUndefined();
    expect(linesCountedThrough([])).toBeUndefined();
  });
});

describe('extendSummary', () => {
  it("adds counts and totals exactly and keeps the counted lines' date, customer and country", () => {
    const counted = summariseInvoice([line(1, 0.1), line(2, 0.2)]);
    const more = summariseInvoice([
      { ...line(3, 0.005, '2010-12-01T08:27:00'), customerId: '99999', country: 'France' },
    ]);

    expect(extendSummary(counted, more)).toEqual({ ...counted, lineCount: 3, total: 0.305 });
    expect(extendSummary(counted, more)).toEqual(
      summariseInvoice([
        line(1, 0.1),
        line(2, 0.2),
        { ...line(3, 0.005, '2010-12-01T08:27:00'), customerId: '99999', country: 'France' },
      ]),
    );
  });
});
