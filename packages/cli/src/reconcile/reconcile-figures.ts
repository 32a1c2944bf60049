import type { Milli } from '@retail/domain';

/** What reconciling needs of one invoice line, and nothing heavier: 541,909 of them are kept as ids only. */
export interface ReconciledLine {
  lineId: string;
  invoiceNo: string;
  customerId: string | null;
  lineTotal: Milli;
}

export interface InvoiceTotals {
  lineCount: number;
  total: Milli;
}

/**
 * The figures of a set of invoice lines, counted once per line id: a line seen again under an id already counted
 * (Firehose delivers at least once) adds to `repeatedLines` and to nothing else.
 */
export class InvoiceLineTally {
  readonly lineIds = new Set<string>();
  readonly invoices = new Map<string, InvoiceTotals>();
  readonly customers = new Set<string>();
  revenue: Milli = 0;
  repeatedLines = 0;

  add(line: ReconciledLine): void {
    if (this.lineIds.has(line.lineId)) {
      this.repeatedLines++;
      return;
    }
    this.lineIds.add(line.lineId);
    const invoice = this.invoices.get(line.invoiceNo);
    if (invoice) {
      invoice.lineCount++;
      invoice.total += line.lineTotal;
    } else {
      this.invoices.set(line.invoiceNo, { lineCount: 1, total: line.lineTotal });
    }
    if (line.customerId !== null) this.customers.add(line.customerId);
    this.revenue += line.lineTotal;
  }
}

/** Up to `limit` ids of `ids` that `other` lacks, and how many there are in all. */
export function idsNotIn(
  ids: ReadonlySet<string>,
  other: ReadonlySet<string>,
  limit: number,
): { count: number; examples: string[] } {
  let count = 0;
  const examples: string[] = [];
  for (const id of ids) {
    if (other.has(id)) continue;
    count++;
    if (examples.length < limit) examples.push(id);
  }
  return { count, examples };
}
