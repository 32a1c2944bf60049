import { formatMilli } from '@retail/domain';
import type { InvoiceTableFigures } from './reconcile-dynamodb';
import { idsNotIn, type InvoiceLineTally, type InvoiceTotals } from './reconcile-figures';
import type { RawBucketFigures } from './reconcile-raw-bucket';
import type { SourceFigures } from './reconcile-source';
import type { WarehouseFigures } from './reconcile-warehouse';

export type SinkKey = 'dynamodb' | 'rawS3' | 'warehouse';
export const SINK_LABELS: Record<SinkKey, string> = { dynamodb: 'dynamodb', rawS3: 'raw s3', warehouse: 'warehouse' };
const SINK_KEYS = Object.keys(SINK_LABELS) as SinkKey[];

/**
 * How a sink's figure is judged: `source` must equal the source's figure, `zero` counts problems (must be 0), `none`
 * is information (duplicate deliveries: Firehose delivers at least once, and the line ids tell the copies apart).
 */
export type FigureCheck = 'source' | 'zero' | 'none';

export interface SinkCell {
  value: number;
  check: FigureCheck;
  agrees: boolean;
  /** A few of the ids or invoices behind a problem count. */
  examples: string[];
}

export interface FigureRow {
  figure: string;
  /** Money is in thousandths (exact), counts are counts. */
  unit: 'count' | 'money';
  /** Undefined for figures that only a sink has (problem counts). */
  source: number | undefined;
  sinks: Partial<Record<SinkKey, SinkCell>>;
}

export interface ReconcileReport {
  file: string;
  platform: string;
  source: { rows: number; rejectedRows: number; elapsedMs: number };
  dynamodb: { tableName: string; scannedItems: number; segments: number; elapsedMs: number } | undefined;
  rawS3: { bucket: string; prefix: string; objects: number; records: number; elapsedMs: number } | undefined;
  warehouse: { target: string; factRows: number; landedRows: number; elapsedMs: number } | undefined;
  /** Sinks the platform does not have, with why. */
  notChecked: string[];
  rows: FigureRow[];
  /** One sentence per figure of a sink that does not agree with the source; empty when all agree. */
  differences: string[];
  /** Raw records whose line id was already delivered: not a difference. Undefined when the raw bucket is not checked. */
  duplicateDeliveries: number | undefined;
}

export interface SinkFigures {
  dynamodb: InvoiceTableFigures | undefined;
  rawS3: RawBucketFigures | undefined;
  warehouse: WarehouseFigures | undefined;
  notChecked: string[];
}

const EXAMPLES = 5;

/** Puts each sink's figures beside the source's and says which differ. */
export function compareWithSource(source: SourceFigures, sinks: SinkFigures, platform: string): ReconcileReport {
  const { dynamodb, rawS3, warehouse } = sinks;
  const linesOf: Partial<Record<SinkKey, InvoiceLineTally>> = {
    dynamodb: dynamodb?.lines,
    rawS3: rawS3?.lines,
    warehouse: warehouse?.lines,
  };
  const expected = source.lines;
  const rows: FigureRow[] = [];
  const addRow = (
    figure: string,
    unit: FigureRow['unit'],
    sourceValue: number | undefined,
    check: FigureCheck,
    values: Partial<Record<SinkKey, { value: number; examples?: string[] }>>,
  ) => {
    const cells: FigureRow['sinks'] = {};
    for (const key of SINK_KEYS) {
      const given = values[key];
      if (!given) continue;
      const agrees = check === 'none' || given.value === (check === 'source' ? sourceValue : 0);
      cells[key] = { value: given.value, check, agrees, examples: given.examples ?? [] };
    }
    rows.push({ figure, unit, source: sourceValue, sinks: cells });
  };
  const perLineSink = (figure: (lines: InvoiceLineTally) => number) =>
    Object.fromEntries(SINK_KEYS.flatMap((key) => (linesOf[key] ? [[key, { value: figure(linesOf[key]) }]] : [])));
  const problemsPerSink = (problems: (lines: InvoiceLineTally) => { count: number; examples: string[] }) =>
    Object.fromEntries(
      SINK_KEYS.flatMap((key) => {
        if (!linesOf[key]) return [];
        const { count, examples } = problems(linesOf[key]);
        return [[key, { value: count, examples }]];
      }),
    );

  addRow(
    'invoice lines',
    'count',
    expected.lineIds.size,
    'source',
    perLineSink((lines) => lines.lineIds.size),
  );
  addRow('invoices', 'count', expected.invoices.size, 'source', {
    dynamodb: dynamodb && { value: dynamodb.summaries.size },
    rawS3: rawS3 && { value: rawS3.lines.invoices.size },
    warehouse: warehouse && { value: warehouse.invoiceTotals.size },
  });
  addRow('customers', 'count', expected.customers.size, 'source', {
    dynamodb: dynamodb && { value: dynamodb.summaryCustomers.size },
    rawS3: rawS3 && { value: rawS3.lines.customers.size },
    warehouse: warehouse && { value: warehouse.lines.customers.size },
  });
  addRow(
    'revenue (sum of line totals)',
    'money',
    expected.revenue,
    'source',
    perLineSink((lines) => lines.revenue),
  );
  addRow('revenue of invoice summaries', 'money', expected.revenue, 'source', {
    dynamodb: dynamodb && { value: dynamodb.summaryRevenue },
    warehouse: warehouse && { value: warehouse.invoiceTotalsRevenue },
  });
  addRow('invoice summaries that differ', 'count', undefined, 'zero', {
    dynamodb: dynamodb && summaryMismatches(expected.invoices, dynamodb.summaries),
    warehouse: warehouse && summaryMismatches(expected.invoices, warehouse.invoiceTotals),
  });
  addRow(
    'lines missing from the sink',
    'count',
    undefined,
    'zero',
    problemsPerSink((lines) => idsNotIn(expected.lineIds, lines.lineIds, EXAMPLES)),
  );
  addRow(
    'lines not in the source',
    'count',
    undefined,
    'zero',
    problemsPerSink((lines) => idsNotIn(lines.lineIds, expected.lineIds, EXAMPLES)),
  );
  addRow('unreadable items or records', 'count', undefined, 'zero', {
    dynamodb: dynamodb && { value: dynamodb.unreadableItems, examples: dynamodb.unreadableExamples },
    rawS3: rawS3 && { value: rawS3.unreadableRecords, examples: rawS3.unreadableExamples },
    warehouse: warehouse && { value: warehouse.unreadableRows, examples: warehouse.unreadableExamples },
  });
  // The fact table keeps one row per line id (the merge's promise; on Redshift the key is not enforced).
  addRow('fact rows of a line id already counted', 'count', undefined, 'zero', {
    warehouse: warehouse && { value: warehouse.lines.repeatedLines },
  });
  addRow('duplicate deliveries', 'count', undefined, 'none', { rawS3: rawS3 && { value: rawS3.lines.repeatedLines } });
  addRow(`failed deliveries (records under ${rawS3?.errorsPrefix ?? 'errors/'})`, 'count', undefined, 'none', {
    rawS3: rawS3 && { value: rawS3.errorRecords },
  });
  addRow('landing rows (copies included, merged once)', 'count', undefined, 'none', {
    warehouse: warehouse && { value: warehouse.landedRows },
  });

  const differences = rows.flatMap((row) =>
    SINK_KEYS.flatMap((key) => {
      const cell = row.sinks[key];
      return cell && !cell.agrees ? [describeDifference(key, row, cell)] : [];
    }),
  );
  if (!dynamodb && !rawS3 && !warehouse)
    differences.push(`no sink to check: ${sinks.notChecked.join('; ') || 'the platform lists none'}`);

  return {
    file: source.file,
    platform,
    source: { rows: source.rows, rejectedRows: source.rejectedRows, elapsedMs: source.elapsedMs },
    dynamodb: dynamodb && {
      tableName: dynamodb.tableName,
      scannedItems: dynamodb.scannedItems,
      segments: dynamodb.segments,
      elapsedMs: dynamodb.elapsedMs,
    },
    rawS3: rawS3 && {
      bucket: rawS3.bucket,
      prefix: rawS3.linesPrefix,
      objects: rawS3.objects,
      records: rawS3.records,
      elapsedMs: rawS3.elapsedMs,
    },
    warehouse: warehouse && {
      target: warehouse.label,
      factRows: warehouse.factRows,
      landedRows: warehouse.landedRows,
      elapsedMs: warehouse.elapsedMs,
    },
    notChecked: sinks.notChecked,
    rows,
    differences,
    duplicateDeliveries: rawS3?.lines.repeatedLines,
  };
}

/** Invoices whose summary (DynamoDB's, the warehouse's totals) lacks the source's line count and total, or that only one side has. */
function summaryMismatches(
  sourceInvoices: ReadonlyMap<string, InvoiceTotals>,
  summaries: ReadonlyMap<string, InvoiceTotals>,
): { value: number; examples: string[] } {
  const examples: string[] = [];
  let value = 0;
  const totals = (invoice: InvoiceTotals) =>
    `${formatCount(invoice.lineCount)} ${invoice.lineCount === 1 ? 'line' : 'lines'}, ${formatMoney(invoice.total)}`;
  const mismatch = (example: string) => {
    value++;
    if (examples.length < EXAMPLES) examples.push(example);
  };
  for (const [invoiceNo, expected] of sourceInvoices) {
    const summary = summaries.get(invoiceNo);
    if (!summary) mismatch(`${invoiceNo}: no summary (source: ${totals(expected)})`);
    else if (summary.lineCount !== expected.lineCount || summary.total !== expected.total)
      mismatch(`${invoiceNo}: ${totals(summary)} (source: ${totals(expected)})`);
  }
  for (const [invoiceNo, summary] of summaries) {
    if (!sourceInvoices.has(invoiceNo)) mismatch(`${invoiceNo}: ${totals(summary)} (not in the source)`);
  }
  return { value, examples };
}

function describeDifference(key: SinkKey, row: FigureRow, cell: SinkCell): string {
  const value = formatValue(row.unit, cell.value);
  const examples = cell.examples.length > 0 ? ` (e.g. ${cell.examples.join('; ')})` : '';
  if (cell.check === 'source' && row.source !== undefined) {
    return `${SINK_LABELS[key]}: ${row.figure} ${value}, source ${formatValue(row.unit, row.source)} (differs by ${formatSigned(row.unit, cell.value - row.source)})`;
  }
  return `${SINK_LABELS[key]}: ${row.figure}: ${value}${examples}`;
}

/** The report as a table (figure | source | each sink checked), the examples behind each problem, and a verdict. */
export function formatReconcileReport(report: ReconcileReport): string {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const heading = [`Reconciling ${report.file} with ${report.platform}`];
  const rejected =
    report.source.rejectedRows > 0
      ? `, ${formatCount(report.source.rejectedRows)} of them refused by the ingest API (expected in no sink)`
      : '';
  heading.push(
    `  source    ${formatCount(report.source.rows)} rows${rejected}, read in ${seconds(report.source.elapsedMs)}`,
  );
  if (report.dynamodb) {
    const { tableName, scannedItems, segments, elapsedMs } = report.dynamodb;
    heading.push(
      `  dynamodb  table ${tableName}: ${formatCount(scannedItems)} items scanned in ${seconds(elapsedMs)} (${segments} segments)`,
    );
  }
  if (report.rawS3) {
    const { bucket, prefix, objects, records, elapsedMs } = report.rawS3;
    heading.push(
      `  raw s3    s3://${bucket}/${prefix}: ${formatCount(objects)} objects, ${formatCount(records)} records read in ${seconds(elapsedMs)}`,
    );
  }
  if (report.warehouse) {
    const { target, factRows, landedRows, elapsedMs } = report.warehouse;
    heading.push(
      `  warehouse ${target}: ${formatCount(factRows)} fact rows (${formatCount(landedRows)} landed) read in ${seconds(elapsedMs)}`,
    );
  }
  for (const reason of report.notChecked) heading.push(`  not checked: ${reason}`);

  const sinks = SINK_KEYS.filter((key) => report.rows.some((row) => row.sinks[key]));
  const table = [['figure', 'source', ...sinks.map((key) => SINK_LABELS[key])]];
  for (const row of report.rows) {
    if (!sinks.some((key) => row.sinks[key])) continue;
    table.push([
      row.figure,
      row.source === undefined ? '' : formatValue(row.unit, row.source),
      ...sinks.map((key) => formatCell(row, row.sinks[key])),
    ]);
  }
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  const tableLines =
    sinks.length === 0
      ? []
      : table.map((cells) =>
          cells
            .map((cell, column) => cell.padEnd(widths[column]!))
            .join('  ')
            .trimEnd(),
        );

  const examples = report.rows.flatMap((row) =>
    sinks.flatMap((key) => {
      const cell = row.sinks[key];
      return cell && !cell.agrees && cell.examples.length > 0
        ? [`  ${SINK_LABELS[key]}, ${row.figure}: ${cell.examples.join('; ')}`]
        : [];
    }),
  );
  const count = report.differences.length;
  const verdict =
    count === 0 ? 'all sinks agree with the source' : `${count} ${count === 1 ? 'difference' : 'differences'}`;
  // Without a sink there is no table to show the difference in: say it in words.
  const withoutTable = sinks.length === 0 ? report.differences : [];
  return [
    ...heading,
    '',
    ...tableLines,
    ...withoutTable,
    ...(examples.length > 0 ? ['', 'examples:', ...examples] : []),
    '',
    verdict,
  ].join('\n');
}

function formatCell(row: FigureRow, cell: SinkCell | undefined): string {
  if (!cell) return '';
  const value = formatValue(row.unit, cell.value);
  if (cell.check === 'none') return value;
  if (cell.agrees) return `${value} ✓`;
  if (cell.check === 'source' && row.source !== undefined)
    return `${value} ✗ differs by ${formatSigned(row.unit, cell.value - row.source)}`;
  return `${value} ✗`;
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-GB');
}

/** Exact thousandths as a decimal with thousands separators: 9747747934 -> 9,747,747.934. */
export function formatMoney(milli: number): string {
  const [whole = '', fraction] = formatMilli(milli).split('.');
  const digits = whole.replace('-', '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole.startsWith('-') ? '-' : ''}${digits}${fraction === undefined ? '' : `.${fraction}`}`;
}

function formatValue(unit: FigureRow['unit'], value: number): string {
  return unit === 'money' ? formatMoney(value) : formatCount(value);
}

function formatSigned(unit: FigureRow['unit'], value: number): string {
  return `${value > 0 ? '+' : ''}${formatValue(unit, value)}`;
}

/** One line per attempt of --wait: how far each sink has got in invoice lines, and how many differences remain. */
export function formatWaitProgress(report: ReconcileReport, elapsedMs: number): string {
  const lines = report.rows.find((row) => row.figure === 'invoice lines');
  const expected = formatCount(lines?.source ?? 0);
  const progress = SINK_KEYS.flatMap((key) => {
    const cell = lines?.sinks[key];
    return cell ? [`${SINK_LABELS[key]} ${formatCount(cell.value)}/${expected} lines`] : [];
  });
  const count = report.differences.length;
  const verdict = count === 0 ? 'all sinks agree' : `${count} ${count === 1 ? 'difference' : 'differences'}`;
  return `[${(elapsedMs / 1000).toFixed(1).padStart(6)} s] ${[...progress, verdict].join(', ')}`;
}
