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

type SummarisedLine = Pick<InvoiceLineEvent, 'invoiceNo' | 'invoiceDate' | 'customerId' | 'country' | 'invoiceKind' | 'lineTotal'>;

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
