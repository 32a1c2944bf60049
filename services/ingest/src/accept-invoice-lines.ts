import type { InvoiceLineStream } from '@retail/adapters';
import { readInvoiceLines } from '@retail/domain';
import { InvalidInvoiceLinesError, InvoiceLinesNotWrittenError } from './ingest-errors';

/** A row of the request (1-based) and the id its line has in every sink. */
export interface AcceptedRow {
  row: number;
  lineId: string;
}

/**
 * Validates every row, then puts all of them on the stream: all or nothing for validation (one bad row and
 * nothing is written), and an error naming each row the stream did not take after its retries.
 */
export async function acceptInvoiceLines(rows: readonly unknown[], stream: InvoiceLineStream): Promise<AcceptedRow[]> {
  const read = readInvoiceLines(rows);
  if (!read.ok) throw new InvalidInvoiceLinesError(read.problems);
  const { put, notPut } = await stream.put(read.lines);
  if (notPut.length > 0) {
    const notWritten = notPut.map((line) => ({ row: line.index + 1, lineId: line.lineId }));
    throw new InvoiceLinesNotWrittenError(put, notWritten, [...new Set(notPut.map((line) => line.errorCode))]);
  }
  return read.lines.map((line, index) => ({ row: index + 1, lineId: line.lineId }));
}
