import { datasetNameOf, parseInvoiceDate, parseMilli, type InvoiceLineField } from '@retail/domain';

/** What the sample file itself says about one invoice: the expectations, computed from the rows, not from the store. */
export interface SampleInvoice {
  invoiceNo: string;
  customerId: string | null;
  country: string;
  /** ISO local time of its earliest line. */
  invoiceDate: string;
  rows: Record<string, string>[];
  /** Exact, in thousandths. */
  totalMilli: number;
}

const column = (row: Record<string, string>, field: InvoiceLineField) => (row[datasetNameOf(field)] ?? '').trim();

export function milliOf(price: string): number {
  const parsed = parseMilli(price);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.milli;
}

function isoDate(text: string): string {
  const parsed = parseInvoiceDate(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.iso;
}

/** The sample's invoices in file order. */
export function sampleInvoices(rows: readonly Record<string, string>[]): Map<string, SampleInvoice> {
  const invoices = new Map<string, SampleInvoice>();
  for (const row of rows) {
    const invoiceNo = column(row, 'invoiceNo');
    const date = isoDate(column(row, 'invoiceDate'));
    const lineMilli = Number(column(row, 'quantity')) * milliOf(column(row, 'unitPrice'));
    const known = invoices.get(invoiceNo);
    if (known) {
      known.rows.push(row);
      known.totalMilli += lineMilli;
      if (date < known.invoiceDate) known.invoiceDate = date;
    } else {
      const customerId = column(row, 'customerId');
      invoices.set(invoiceNo, {
        invoiceNo,
        customerId: customerId === '' ? null : customerId,
        country: column(row, 'country'),
        invoiceDate: date,
        rows: [row],
        totalMilli: lineMilli,
      });
    }
  }
  return invoices;
}

/** A customer's invoices as the API should list them: newest first, the later number first within one minute. */
export function customerInvoicesNewestFirst(invoices: Map<string, SampleInvoice>, customerId: string): SampleInvoice[] {
  const key = (invoice: SampleInvoice) => `${invoice.invoiceDate}#${invoice.invoiceNo}`;
  return [...invoices.values()]
    .filter((invoice) => invoice.customerId === customerId)
    .sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
}
