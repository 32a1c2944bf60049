import type { InvoiceLineEvent } from '@retail/domain';

/** A line the stream did not take; `index` is its position in the lines given to `put`. */
export interface LineNotPut {
  index: number;
  lineId: string;
  /** The stream's reason, e.g. ProvisionedThroughputExceededException, or NotAttempted. */
  errorCode: string;
}

export interface InvoiceLinesPut {
  put: number;
  notPut: LineNotPut[];
}

/**
 * Where accepted invoice lines go. Lines of one invoice keep their order; a line that could not be put is
 * reported rather than thrown, so callers can tell their client exactly which lines to send again.
 */
export interface InvoiceLineStream {
  put(lines: readonly InvoiceLineEvent[]): Promise<InvoiceLinesPut>;
}
