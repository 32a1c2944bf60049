import { tmpdir } from 'node:os';
import type { WarehouseQueries, WarehouseQueryResult } from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import type { StackFile } from '@retail/local-platform';
import { withWarehouseClient } from '@retail/local-platform/warehouse';
import {
  readSampleRows,
  sampleLines,
  startSampleWarehouse,
  TEST_ACCOUNT_ID,
  TEST_CREDENTIALS,
  TEST_REGION,
  TEST_STAGE,
  type SampleWarehouse,
} from '@retail/test-support';
import { InvoiceLineTally, type ReconciledLine } from '../../src/reconcile/reconcile-figures';
import { compareWithSource, formatReconcileReport } from '../../src/reconcile/reconcile-report';
import { reconcile } from '../../src/reconcile/reconcile-sinks';
import type { SourceFigures } from '../../src/reconcile/reconcile-source';
import { targetsOfLocalStack } from '../../src/reconcile/reconcile-targets';
import { readWarehouse, type WarehouseFigures } from '../../src/reconcile/reconcile-warehouse';
import { SAMPLE_DATA_FILE } from '../../src/command/repository-paths';

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

/** The warehouse's figures as readWarehouse makes them: totals per invoice summed from the given fact rows. */
function warehouseOf(lines: readonly ReconciledLine[], landedRows = lines.length): WarehouseFigures {
  const facts = tally(lines);
  const invoiceTotals = new Map([...facts.invoices].map(([invoiceNo, totals]) => [invoiceNo, { ...totals }] as const));
  return {
    label: 'a test warehouse',
    lines: facts,
    invoiceTotals,
    invoiceTotalsRevenue: facts.revenue,
    landedRows,
    unreadableRows: 0,
    unreadableExamples: [],
    factRows: lines.length,
    elapsedMs: 1,
  };
}

const compare = (warehouse: WarehouseFigures) =>
  compareWithSource(source, { dynamodb: undefined, rawS3: undefined, warehouse, notChecked: [] }, 'a test');
const cell = (report: ReturnType<typeof compare>, figure: string) =>
  report.rows.find((row) => row.figure === figure)?.sinks.warehouse;

describe("comparing the warehouse's fact table with the source", () => {
  it('agrees when the fact table holds exactly the source lines, however many copies landed', () => {
    const report = compare(warehouseOf(SOURCE_LINES, 9));

    expect(report.differences).toEqual([]);
    expect(cell(report, 'invoice lines')?.value).toBe(3);
    expect(cell(report, 'invoices')?.value).toBe(2);
    expect(cell(report, 'customers')?.value).toBe(1);
    expect(cell(report, 'revenue (sum of line totals)')?.value).toBe(8_140);
    expect(cell(report, 'landing rows (copies included, merged once)')).toMatchObject({ value: 9, agrees: true });
    expect(formatReconcileReport(report)).toMatch(/^figure +source +warehouse$/m);
    expect(formatReconcileReport(report)).toMatch(/warehouse a test warehouse: 3 fact rows \(9 landed\)/);
  });

  it('names the line missing from the fact table and the one the source does not have', () => {
    const report = compare(warehouseOf([SOURCE_LINES[0]!, SOURCE_LINES[1]!, line('C536379:2', -27_500, null)]));

    expect(cell(report, 'lines missing from the sink')).toMatchObject({ value: 1, examples: ['C536379:1'] });
    expect(cell(report, 'lines not in the source')).toMatchObject({ value: 1, examples: ['C536379:2'] });
    expect(cell(report, 'invoice lines')?.agrees).toBe(true); // as many lines, not the same ones
    expect(report.differences).toEqual([
      'warehouse: lines missing from the sink: 1 (e.g. C536379:1)',
      'warehouse: lines not in the source: 1 (e.g. C536379:2)',
    ]);
  });

  it("reports an invoice whose warehouse total differs from the source's, with both figures", () => {
    const warehouse = warehouseOf(SOURCE_LINES);
    warehouse.invoiceTotals.set('536365', { lineCount: 2, total: 35_000 });
    warehouse.invoiceTotalsRevenue -= 640;
    const report = compare(warehouse);

    expect(cell(report, 'invoice summaries that differ')).toMatchObject({
      value: 1,
      agrees: false,
      examples: ['536365: 2 lines, 35 (source: 2 lines, 35.64)'],
    });
    expect(report.differences).toContain('warehouse: revenue of invoice summaries 7.5, source 8.14 (differs by -0.64)');
  });

  it('counts a fact row repeating a line id as a difference (the merge keeps one row per line id)', () => {
    const report = compare(warehouseOf([...SOURCE_LINES, SOURCE_LINES[2]!]));

    expect(cell(report, 'fact rows of a line id already counted')).toMatchObject({ value: 1, agrees: false });
    expect(report.differences).toEqual(['warehouse: fact rows of a line id already counted: 1']);
  });
});

describe('reading the warehouse through the query port', () => {
  /** Answers each of reconcile-warehouse.sql's statements by the table it reads. */
  function fakeWarehouse(answers: { lines: WarehouseQueryResult; totals: WarehouseQueryResult }): WarehouseQueries {
    return {
      query: async (sql) => {
        if (/invoice_line_landing/.test(sql)) return { columns: [], rows: [{ landed_rows: 7 }] };
        return /GROUP BY/i.test(sql) ? answers.totals : answers.lines;
      },
    };
  }

  it('reads DECIMAL text exactly, keeps a NULL customer, and sets aside a row it cannot read', async () => {
    const figures = await readWarehouse({
      label: 'fake',
      engine: 'postgresql',
      queries: fakeWarehouse({
        lines: {
          columns: [],
          rows: [
            { line_id: '536365:1', invoice_no: '536365', customer_id: '17850', line_total: '15.300' },
            { line_id: 'C536379:1', invoice_no: 'C536379', customer_id: null, line_total: '-27.500' },
            { line_id: null, invoice_no: '536365', customer_id: '17850', line_total: '1.000' },
          ],
        },
        totals: {
          columns: [],
          rows: [
            { invoice_no: '536365', line_count: 1, total: '15.300' },
            { invoice_no: 'C536379', line_count: 1, total: '-27.500' },
          ],
        },
      }),
    });

    expect({
      lines: [...figures.lines.lineIds],
      revenue: figures.lines.revenue,
      customers: [...figures.lines.customers],
      totals: Object.fromEntries(figures.invoiceTotals),
      totalsRevenue: figures.invoiceTotalsRevenue,
      landedRows: figures.landedRows,
      unreadable: figures.unreadableRows,
    }).toEqual({
      lines: ['536365:1', 'C536379:1'],
      revenue: -12_200,
      customers: ['17850'],
      totals: { '536365': { lineCount: 1, total: 15_300 }, C536379: { lineCount: 1, total: -27_500 } },
      totalsRevenue: -12_200,
      landedRows: 7,
      unreadable: 1,
    });
    expect(figures.unreadableExamples[0]).toMatch(/"line_id":null/);
  });
});

describe('reconciling a real local warehouse through the local Redshift Data API', () => {
  let warehouse: SampleWarehouse;
  let lines: InvoiceLineEvent[];
  let stack: StackFile;

  const deleteFact = (lineId: string) =>
    withWarehouseClient(warehouse.url, (db) =>
      db.query('DELETE FROM retail.fact_invoice_line WHERE line_id = $1', [lineId]),
    );

  beforeAll(async () => {
    lines = sampleLines(await readSampleRows());
    warehouse = await startSampleWarehouse(lines);
    // A stack file with the warehouse and its Data API alone: the other sinks are left out.
    stack = {
      stage: TEST_STAGE,
      region: TEST_REGION,
      accountId: TEST_ACCOUNT_ID,
      apiUrl: `http://127.0.0.1:9/${TEST_STAGE}`,
      apiKey: 'not-used-by-reconcile',
      warehouseUrl: warehouse.url,
      credentials: TEST_CREDENTIALS,
      endpoints: {
        kinesis: 'http://127.0.0.1:9',
        dynamodb: 'http://127.0.0.1:9',
        s3: 'http://127.0.0.1:9',
        redshiftData: warehouse.dataApiEndpoint,
        services: {},
      },
      resources: { streams: {}, tables: {}, buckets: {} },
      routes: [],
      environment: {},
      processes: {},
      stateDir: tmpdir(),
      pid: process.pid,
      startedAt: new Date().toISOString(),
    };
  }, 180_000);

  afterAll(async () => {
    await warehouse?.stop();
  });

  const reconcileSample = () => reconcile({ file: SAMPLE_DATA_FILE, stack });

  it("finds exactly the sample's lines, invoices, customers, revenue and invoice totals in the fact table", async () => {
    const report = await reconcileSample();

    expect(report.differences).toEqual([]);
    expect(report.notChecked).toEqual([
      'dynamodb: the stack file lists no table',
      'raw s3: the stack file lists no delivery stream',
    ]);
    const figures = Object.fromEntries(report.rows.map((row) => [row.figure, row.sinks.warehouse?.value]));
    expect(figures).toMatchObject({
      'invoice lines': 3_953,
      'invoice summaries that differ': 0,
      'lines missing from the sink': 0,
      'lines not in the source': 0,
      'landing rows (copies included, merged once)': 3_953,
    });
    expect(report.warehouse).toMatchObject({ factRows: 3_953, landedRows: 3_953 });
  });

  it('counts a second landing of the same lines once, then names a line the fact table lost', async () => {
    await warehouse.land(lines);
    const reloaded = await reconcileSample();
    expect(reloaded.differences).toEqual([]);
    expect(reloaded.warehouse).toMatchObject({ factRows: 3_953, landedRows: 2 * 3_953 });

    const lost = lines[10]!;
    await deleteFact(lost.lineId);
    const report = await reconcileSample();
    expect(report.differences).toContain(`warehouse: lines missing from the sink: 1 (e.g. ${lost.lineId})`);
    expect(report.differences.every((difference) => difference.startsWith('warehouse: '))).toBe(true);
  });

  it('leaves a stack without a warehouse to the other sinks, and says so for a warehouse without a Data API', () => {
    const { warehouseUrl: _url, ...withoutWarehouse } = stack;
    const none = targetsOfLocalStack(withoutWarehouse);
    const noApi = targetsOfLocalStack({ ...stack, endpoints: { ...stack.endpoints, redshiftData: undefined } });
    try {
      expect(none.warehouse).toBeUndefined();
      expect(none.notChecked.some((reason) => reason.startsWith('warehouse'))).toBe(false);
      expect(noApi.warehouse).toBeUndefined();
      expect(noApi.notChecked).toContain('warehouse: the stack file lists no Redshift Data API endpoint');
    } finally {
      none.close();
      noApi.close();
    }
  });
});
