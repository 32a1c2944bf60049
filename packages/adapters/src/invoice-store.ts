import type { InvoiceLineEvent, InvoiceSummary } from '@retail/domain';

/** An invoice as users look it up: its summary and its lines in line order. */
export interface InvoiceDetail {
  summary: InvoiceSummary;
  lines: InvoiceLineEvent[];
}

/** One page of a customer's invoices, newest first; pass `nextCursor` back to get the next page. */
export interface CustomerInvoicePage {
  invoices: InvoiceSummary[];
  nextCursor: string | null;
}

export interface CustomerInvoicePageRequest {
  limit: number;
  /** `nextCursor` of the previous page; absent for the first page. */
  cursor?: string;
}

/** An invoice whose lines or summary could not be stored this time; saving its lines again is safe. */
export interface UnsavedInvoice {
  invoiceNo: string;
  reason: string;
  /**
   * Present when the store answered and refused these lines as invalid: every other line of the invoice and its
   * summary are stored, and saving these again cannot succeed. Absent: the store did not take the invoice this time
   * (it did not answer, throttled), and saving its lines again may.
   */
  refusedLineIds?: string[];
}

/** Where invoice lines are kept for users to look up: an invoice's lines, and a customer's invoices. */
export interface InvoiceStore {
  /**
   * Stores every line (a line is keyed by its lineId, so storing it again changes nothing) and then brings the summary
   * of each invoice the lines belong to up to date: adding the lines when they are the next run after those it counts,
   * else recounting all of that invoice's stored lines, so no line is ever counted twice. Returns the invoices not
   * fully saved (each says whether it is worth saving again); every other invoice's lines and summary are stored.
   */
  saveInvoiceLines(lines: readonly InvoiceLineEvent[]): Promise<UnsavedInvoice[]>;
  /** The invoice, or undefined when none of its lines is stored. */
  getInvoice(invoiceNo: string): Promise<InvoiceDetail | undefined>;
  /** Only invoices with a customer are listed; a cursor from another customer's list is refused. */
  listCustomerInvoices(customerId: string, page: CustomerInvoicePageRequest): Promise<CustomerInvoicePage>;
}

/** A page cursor that this store did not hand out for this list (the API answers 400). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}
