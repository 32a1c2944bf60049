import { createHash } from 'node:crypto';

/**
 * The identity of an invoice line. The data set holds 5,268 exact duplicate rows that are real lines (its
 * revenue counts them), so a hash of the content cannot tell a duplicate line from a retried one. The identity
 * is therefore positional: `<invoiceNo>:<lineNo>`, lineNo being the line's 1-based position within its invoice
 * in the source's order. The loader numbers lines from the file; clients may send `lineNo` themselves. Replaying
 * the file or retrying a request yields the same ids; two identical rows get different positions.
 *
 * A client that sends no lineNo (one row per request, like the course's client) gives no position to use. Its
 * rows are identified by content plus their occurrence within the request: `<invoiceNo>:c-<hash>-<n>`. Retries
 * stay safe, but exact duplicates sent in different requests collapse into one line: send lineNo to keep them.
 */
export function positionalLineId(invoiceNo: string, lineNo: number): string {
  return `${invoiceNo}:${lineNo}`;
}

export function contentLineId(invoiceNo: string, content: readonly unknown[], occurrence: number): string {
  const hash = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
  return `${invoiceNo}:c-${hash}-${occurrence}`;
}

/** Numbers the lines of each invoice in source order; feed it rows in file order. */
export class InvoiceLineNumbering {
  private readonly linesSeen = new Map<string, number>();

  next(invoiceNo: string): number {
    const lineNo = (this.linesSeen.get(invoiceNo) ?? 0) + 1;
    this.linesSeen.set(invoiceNo, lineNo);
    return lineNo;
  }
}
