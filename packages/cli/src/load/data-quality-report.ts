import { createHash } from 'node:crypto';
import {
  fieldForColumnName,
  formatMilli,
  numberToMilli,
  readInvoiceLines,
  type InvoiceLineEvent,
  type Milli,
  type StockCodeKind,
} from '@retail/domain';
import type { NumberedInvoiceLine } from './numbered-invoice-lines';
import { formatRowProblemGroups, RowProblemGroups, type RowProblemGroup } from './row-problem-groups';

/** What `npm run load -- --dry-run` finds in a file: the data set's figures and faults, without sending a row. */
export interface DataQualityReport {
  rows: number;
  validRows: number;
  invoices: { distinct: number; cancellations: number; adjustments: number };
  customers: number;
  countries: number;
  stockCodes: number;
  /** Distinct Description values as written in the file, the empty one included. */
  descriptions: number;
  invoiceDates: { first: string | undefined; last: string | undefined; days: number };
  cancellationRows: number;
  adjustmentRows: number;
  missingCustomerId: number;
  missingDescription: number;
  nonProductStockCodeRows: Partial<Record<StockCodeKind, number>>;
  quantityNotPositive: { rows: number; onNonCancellationInvoices: number };
  unitPriceNotPositive: { rows: number; zero: number; negative: number };
  exactDuplicates: { extraCopies: number; groups: number };
  /** sum(quantity x unitPrice) over valid rows, exact. */
  revenue: string;
  /** Rows with a customer, not a cancellation, quantity > 0 and price > 0: what sales analyses keep. */
  cleanSales: { rows: number; customers: number; revenue: string };
  invalidRows: { rows: number; reasons: RowProblemGroup[] };
}

// Rows are validated this many at a time, as the API validates a request; a chunk with an invalid row is redone row by row.
const VALIDATION_CHUNK = 1000;

/**
 * Accumulates the report row by row in file order; memory grows with distinct values (invoices, customers) and
 * one MD5 digest per row for duplicate detection, not with the rows themselves.
 */
export class DataQualityTally {
  private rows = 0;
  private validRows = 0;
  private readonly invoices = new Set<string>();
  private readonly customers = new Set<string>();
  private readonly countries = new Set<string>();
  private readonly stockCodes = new Set<string>();
  private readonly descriptions = new Set<string>();
  private readonly days = new Set<string>();
  private firstDate: string | undefined;
  private lastDate: string | undefined;
  private cancellationRows = 0;
  private adjustmentRows = 0;
  private missingCustomerId = 0;
  private missingDescription = 0;
  private readonly nonProductStockCodeRows: Partial<Record<StockCodeKind, number>> = {};
  private quantityNotPositive = 0;
  private quantityNotPositiveOnNonCancellation = 0;
  private unitPriceZero = 0;
  private unitPriceNegative = 0;
  private readonly rowDigests = new Set<string>();
  private readonly duplicatedDigests = new Set<string>();
  private duplicateExtraCopies = 0;
  private revenueMilli: Milli = 0;
  private cleanSaleRows = 0;
  private readonly cleanSaleCustomers = new Set<string>();
  private cleanSaleRevenueMilli: Milli = 0;
  private readonly invalid = new RowProblemGroups();
  private invalidRows = 0;
  private pending: NumberedInvoiceLine[] = [];

  add(line: NumberedInvoiceLine): void {
    this.rows++;
    this.countDuplicate(line);
    this.pending.push(line);
    if (this.pending.length >= VALIDATION_CHUNK) this.validatePending();
  }

  report(): DataQualityReport {
    this.validatePending();
    return {
      rows: this.rows,
      validRows: this.validRows,
      invoices: {
        distinct: this.invoices.size,
        cancellations: [...this.invoices].filter((no) => no.startsWith('C')).length,
        adjustments: [...this.invoices].filter((no) => no.startsWith('A')).length,
      },
      customers: this.customers.size,
      countries: this.countries.size,
      stockCodes: this.stockCodes.size,
      descriptions: this.descriptions.size,
      invoiceDates: { first: this.firstDate, last: this.lastDate, days: this.days.size },
      cancellationRows: this.cancellationRows,
      adjustmentRows: this.adjustmentRows,
      missingCustomerId: this.missingCustomerId,
      missingDescription: this.missingDescription,
      nonProductStockCodeRows: { ...this.nonProductStockCodeRows },
      quantityNotPositive: {
        rows: this.quantityNotPositive,
        onNonCancellationInvoices: this.quantityNotPositiveOnNonCancellation,
      },
      unitPriceNotPositive: {
        rows: this.unitPriceZero + this.unitPriceNegative,
        zero: this.unitPriceZero,
        negative: this.unitPriceNegative,
      },
      exactDuplicates: { extraCopies: this.duplicateExtraCopies, groups: this.duplicatedDigests.size },
      revenue: formatMilli(this.revenueMilli),
      cleanSales: {
        rows: this.cleanSaleRows,
        customers: this.cleanSaleCustomers.size,
        revenue: formatMilli(this.cleanSaleRevenueMilli),
      },
      invalidRows: { rows: this.invalidRows, reasons: this.invalid.list() },
    };
  }

  /** Exact duplicates compare the file's own text (before trimming or number parsing), LineNo excluded. */
  private countDuplicate(line: NumberedInvoiceLine): void {
    const hash = createHash('md5');
    for (const [column, value] of Object.entries(line.values))
      if (fieldForColumnName(column) !== 'lineNo') hash.update(`${String(value)}\u0000`);
    const digest = hash.digest('base64');
    if (!this.rowDigests.has(digest)) {
      this.rowDigests.add(digest);
      return;
    }
    this.duplicateExtraCopies++;
    this.duplicatedDigests.add(digest);
  }

  private validatePending(): void {
    const chunk = this.pending;
    this.pending = [];
    if (chunk.length === 0) return;
    const read = readInvoiceLines(
      chunk.map((line) => line.values),
      chunk[0]!.fileRow,
    );
    if (read.ok) {
      read.lines.forEach((event, index) => this.countValid(event, chunk[index]!));
      return;
    }
    // Some row is invalid: validate one by one to keep the valid rows' figures and every row's reasons.
    for (const line of chunk) {
      const one = readInvoiceLines([line.values], line.fileRow);
      if (one.ok) {
        this.countValid(one.lines[0]!, line);
      } else {
        this.invalidRows++;
        for (const problem of one.problems) this.invalid.add(problem.row, problem.field, problem.message);
      }
    }
  }

  private countValid(event: InvoiceLineEvent, line: NumberedInvoiceLine): void {
    this.validRows++;
    this.invoices.add(event.invoiceNo);
    if (event.customerId !== null) this.customers.add(event.customerId);
    this.countries.add(event.country);
    this.stockCodes.add(event.stockCode);
    this.descriptions.add(String(descriptionAsWritten(line) ?? ''));
    this.days.add(event.invoiceDate.slice(0, 10));
    if (this.firstDate === undefined || event.invoiceDate < this.firstDate) this.firstDate = event.invoiceDate;
    if (this.lastDate === undefined || event.invoiceDate > this.lastDate) this.lastDate = event.invoiceDate;
    if (event.invoiceKind === 'cancellation') this.cancellationRows++;
    if (event.invoiceKind === 'adjustment') this.adjustmentRows++;
    if (event.customerId === null) this.missingCustomerId++;
    if (event.description === null) this.missingDescription++;
    if (!event.isProduct) {
      const kind = event.stockCodeKind as StockCodeKind;
      this.nonProductStockCodeRows[kind] = (this.nonProductStockCodeRows[kind] ?? 0) + 1;
    }
    if (event.quantity <= 0) {
      this.quantityNotPositive++;
      if (!event.isCancellation) this.quantityNotPositiveOnNonCancellation++;
    }
    if (event.unitPrice === 0) this.unitPriceZero++;
    if (event.unitPrice < 0) this.unitPriceNegative++;
    const lineTotal = numberToMilli(event.lineTotal);
    this.revenueMilli += lineTotal;
    if (event.customerId !== null && !event.isCancellation && event.quantity > 0 && event.unitPrice > 0) {
      this.cleanSaleRows++;
      this.cleanSaleCustomers.add(event.customerId);
      this.cleanSaleRevenueMilli += lineTotal;
    }
  }
}

function descriptionAsWritten(line: NumberedInvoiceLine): string | number | undefined {
  const column = Object.keys(line.values).find((name) => fieldForColumnName(name) === 'description');
  return column === undefined ? undefined : line.values[column];
}

export async function computeDataQualityReport(
  lines: AsyncIterable<NumberedInvoiceLine>,
  onRow?: (rows: number) => void,
): Promise<DataQualityReport> {
  const tally = new DataQualityTally();
  let rows = 0;
  for await (const line of lines) {
    tally.add(line);
    if (onRow !== undefined && ++rows % VALIDATION_CHUNK === 0) onRow(rows);
  }
  return tally.report();
}

export function formatDataQualityReport(report: DataQualityReport): string {
  const n = (value: number) => value.toLocaleString('en-GB');
  const share = (value: number) => (report.validRows === 0 ? '0' : ((100 * value) / report.validRows).toFixed(2));
  const kinds = Object.entries(report.nonProductStockCodeRows)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, rows]) => `${kind} ${n(rows)}`)
    .join(', ');
  return [
    `rows                       ${n(report.rows)} (${n(report.validRows)} valid, ${n(report.invalidRows.rows)} invalid)`,
    `invoices                   ${n(report.invoices.distinct)} (${n(report.invoices.cancellations)} cancellations, ${n(report.invoices.adjustments)} adjustments)`,
    `customers                  ${n(report.customers)}`,
    `countries                  ${n(report.countries)}`,
    `stock codes / descriptions ${n(report.stockCodes)} / ${n(report.descriptions)}`,
    `invoice dates              ${report.invoiceDates.first ?? '-'} to ${report.invoiceDates.last ?? '-'}, ${n(report.invoiceDates.days)} distinct ${report.invoiceDates.days === 1 ? 'day' : 'days'}`,
    `cancellation rows          ${n(report.cancellationRows)}`,
    `adjustment rows            ${n(report.adjustmentRows)}`,
    `missing CustomerID         ${n(report.missingCustomerId)} rows (${share(report.missingCustomerId)} %)`,
    `missing Description        ${n(report.missingDescription)} rows`,
    `non-product stock codes    ${kinds || 'none'}`,
    `Quantity <= 0              ${n(report.quantityNotPositive.rows)} rows (${n(report.quantityNotPositive.onNonCancellationInvoices)} on invoices that are not cancellations)`,
    `UnitPrice <= 0             ${n(report.unitPriceNotPositive.rows)} rows (${n(report.unitPriceNotPositive.zero)} zero, ${n(report.unitPriceNotPositive.negative)} negative)`,
    `exact duplicate rows       ${n(report.exactDuplicates.extraCopies)} extra copies in ${n(report.exactDuplicates.groups)} groups (kept: they are real lines)`,
    `revenue                    ${groupThousands(report.revenue)} (sum of Quantity x UnitPrice, exact)`,
    `clean sales                ${n(report.cleanSales.rows)} rows, ${n(report.cleanSales.customers)} customers, revenue ${groupThousands(report.cleanSales.revenue)}`,
    `invalid rows               ${n(report.invalidRows.rows)}`,
    ...formatRowProblemGroups(report.invalidRows.reasons, '    '),
  ].join('\n');
}

/** 9747747.934 -> 9,747,747.934: the exact decimal text, grouped for reading. */
function groupThousands(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}
