import type { InvoiceTableFigures } from '../../src/reconcile/reconcile-dynamodb';
import { InvoiceLineTally, type ReconciledLine } from '../../src/reconcile/reconcile-figures';
import { compareWithSource, formatMoney, formatReconcileReport } from '../../src/reconcile/reconcile-report';
import type { SourceFigures } from '../../src/reconcile/reconcile-source';

const line = (lineId: string, lineTotal: number, customerId: string | null = '17850'): ReconciledLine => ({
  lineId,
  invoiceNo: lineId.split(':')[0]!,
  customerId,
  lineTotal,
});

function tally(lines: readonly ReconciledLine[]): InvoiceLineTally {
  const result = new InvoiceLineTally();
  for (const each of lines) result.add(each);
  return result;
}

const SOURCE_LINES = [line('536365:1', 15_300), line('536365:2', 20_340), line('C536379:1', -27_500, null)];
const source: SourceFigures = { file: 'lines.csv', rows: 3, rejectedRows: 0, lines: tally(SOURCE_LINES), elapsedMs: 1 };

function invoiceTable(
  lines: readonly ReconciledLine[],
  summaries: InvoiceTableFigures['summaries'],
): InvoiceTableFigures {
  const customers = new Set(
    [...summaries.values()].flatMap((summary) => (summary.customerId === null ? [] : [summary.customerId])),
  );
  const revenue = [...summaries.values()].reduce((sum, summary) => sum + summary.total, 0);
  return {
    tableName: 't',
    lines: tally(lines),
    summaries,
    summaryCustomers: customers,
    summaryRevenue: revenue,
    unreadableItems: 0,
    unreadableExamples: [],
    scannedItems: 0,
    segments: 1,
    elapsedMs: 1,
  };
}

describe('comparing the sinks with the source', () => {
  it('counts a line id seen twice once, and its repeat as a repeat only', () => {
    const lines = tally([...SOURCE_LINES, SOURCE_LINES[0]!]);

    expect({
      ids: lines.lineIds.size,
      repeats: lines.repeatedLines,
      revenue: lines.revenue,
      invoices: Object.fromEntries(lines.invoices),
    }).toEqual({
      ids: 3,
      repeats: 1,
      revenue: 8_140,
      invoices: { '536365': { lineCount: 2, total: 35_640 }, C536379: { lineCount: 1, total: -27_500 } },
    });
  });

  it('reports an invoice summary the source does not have, and one the table lacks', () => {
    const summaries = new Map([
      ['536365', { lineCount: 2, total: 35_640, customerId: '17850' }],
      ['536999', { lineCount: 1, total: 1_000, customerId: '17850' }],
    ]);
    const report = compareWithSource(
      source,
      { dynamodb: invoiceTable(SOURCE_LINES, summaries), rawS3: undefined, warehouse: undefined, notChecked: [] },
      'a test',
    );

    expect(report.rows.find((row) => row.figure === 'invoice summaries that differ')?.sinks.dynamodb).toEqual({
      value: 2,
      check: 'zero',
      agrees: false,
      examples: ['C536379: no summary (source: 1 line, -27.5)', '536999: 1 line, 1 (not in the source)'],
    });
    expect(report.differences).toContain(
      'dynamodb: revenue of invoice summaries 36.64, source 8.14 (differs by +28.5)',
    );
  });

  it('is a difference to have no sink at all, said in words since there is no table', () => {
    const report = compareWithSource(
      source,
      { dynamodb: undefined, rawS3: undefined, warehouse: undefined, notChecked: ['dynamodb: none', 'raw s3: none'] },
      'a test',
    );

    expect(report.differences).toEqual(['no sink to check: dynamodb: none; raw s3: none']);
    expect(formatReconcileReport(report)).toMatch(/\nno sink to check: dynamodb: none; raw s3: none\n\n1 difference$/);
  });

  it('writes money exactly, with thousands separators and its sign', () => {
    expect([formatMoney(9_747_747_934), formatMoney(-11_062_060), formatMoney(1), formatMoney(0)]).toEqual([
      '9,747,747.934',
      '-11,062.06',
      '0.001',
      '0',
    ]);
  });
});
