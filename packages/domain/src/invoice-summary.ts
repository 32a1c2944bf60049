import type { InvoiceKind, InvoiceLineEvent } from './invoice-line-event';
import { milliToNumber, numberToMilli } from './money';

/** What a customer's invoice list shows of one invoice: computed from all its lines, so recomputing is idempotent. */
export interface InvoiceSummary {
  invoiceNo: string;
  invoiceDate: string;
  customerId: string | null;
  country: string;
  invoiceKind: InvoiceKind;
  isCancellation: boolean;
  lineCount: number;
  total: number;
}

type SummarisedLine = Pick<
  InvoiceLineEvent,
  'invoiceNo' | 'invoiceDate' | 'customerId' | 'country' | 'invoiceKind' | 'lineTotal'
>;

/**
 * Lines numbered firstLineNo..lastLineNo of one invoice, each exactly once: they extend a summary that counts lines
 * 1..firstLineNo-1 and nothing else, so a summary can grow by a batch of lines without reading the lines it counts.
 */
export interface ConsecutiveLines {
  firstLineNo: number;
  lastLineNo: number;
  /** The summary of these lines alone. */
  summary: InvoiceSummary;
}

/**
 * The lines (of one invoice) as a run firstLineNo..lastLineNo, or undefined when they are not one: a line without a
 * number, a number given twice, or a gap. A stream consumer adds such a run to a stored summary; anything else makes
 * it recount the invoice from its stored lines.
 */
export function consecutiveLinesOf(
  lines: readonly (SummarisedLine & Pick<InvoiceLineEvent, 'lineNo'>)[],
): ConsecutiveLines | undefined {
  const run = lines.length === 0 ? undefined : consecutiveLineNumbers(lines);
  return run === undefined
    ? undefined
    : { firstLineNo: run.first, lastLineNo: run.last, summary: summariseInvoice(lines) };
}

/** n when the invoice's lines are exactly lines 1..n; undefined otherwise (a gap, or lines without a number). */
export function linesCountedThrough(lines: readonly Pick<InvoiceLineEvent, 'lineNo'>[]): number | undefined {
  const run = lines.length === 0 ? undefined : consecutiveLineNumbers(lines);
  return run?.first === 1 ? run.last : undefined;
}

function consecutiveLineNumbers(
  lines: readonly Pick<InvoiceLineEvent, 'lineNo'>[],
): { first: number; last: number } | undefined {
  let first = Infinity;
  let last = -Infinity;
  const seen = new Set<number>();
  for (const { lineNo } of lines) {
    if (lineNo === null || seen.has(lineNo)) return undefined;
    seen.add(lineNo);
    if (lineNo < first) first = lineNo;
    if (lineNo > last) last = lineNo;
  }
  return last - first + 1 === seen.size ? { first, last } : undefined;
}

/**
 * The summary of an invoice's counted lines followed by more of its lines: counts and totals add up (exactly, in
 * thousandths); the invoice's date, customer and country stay the earlier summary's, which counts its first line.
 */
export function extendSummary(counted: InvoiceSummary, more: InvoiceSummary): InvoiceSummary {
  return {
    ...counted,
    lineCount: counted.lineCount + more.lineCount,
    total: milliToNumber(numberToMilli(counted.total) + numberToMilli(more.total)),
  };
}

export function summariseInvoice(lines: readonly SummarisedLine[]): InvoiceSummary {
  const first = lines[0];
  if (!first) throw new Error('an invoice summary needs at least one line');
  let totalMilli = 0;
  // 43 invoices of the data set span two minutes: the invoice's date is its first.
  let invoiceDate = first.invoiceDate;
  for (const line of lines) {
    totalMilli += numberToMilli(line.lineTotal);
    if (line.invoiceDate < invoiceDate) invoiceDate = line.invoiceDate;
  }
  return {
    invoiceNo: first.invoiceNo,
    invoiceDate,
    customerId: first.customerId,
    country: first.country,
    invoiceKind: first.invoiceKind,
    isCancellation: first.invoiceKind === 'cancellation',
    lineCount: lines.length,
    total: milliToNumber(totalMilli),
  };
}
