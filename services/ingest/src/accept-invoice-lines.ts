import type { InvoiceLineStream } from '@retail/adapters';
import { readInvoiceLines } from '@retail/domain';
import { countMetrics } from '@retail/lambda-plumbing';
import { InvalidInvoiceLinesError, InvoiceLinesNotWrittenError } from './ingest-errors';

/** A row of the request (1-based) and the id its line has in every sink. */
export interface AcceptedRow {
  row: number;
  lineId: string;
}

/**
 * Validates every row, then puts all of them on the stream: all or nothing for validation (one bad row and
 * nothing is written), and an error naming each row the stream did not take after its retries. Counts AcceptedRows
 * (put on the stream), RejectedRows (invalid rows, refused with their request) and UnwrittenRows (valid rows the
 * stream did not take).
 */
export async function acceptInvoiceLines(rows: readonly unknown[], stream: InvoiceLineStream): Promise<AcceptedRow[]> {
  const read = readInvoiceLines(rows);
  if (!read.ok) {
    countMetrics({ AcceptedRows: 0, RejectedRows: new Set(read.problems.map((problem) => problem.row)).size });
    throw new InvalidInvoiceLinesError(read.problems);
  }
  const { put, notPut } = await stream.put(read.lines);
  countMetrics({ AcceptedRows: put, RejectedRows: 0, UnwrittenRows: notPut.length });
  if (notPut.length > 0) {
    const notWritten = notPut.map((line) => ({ row: line.index + 1, lineId: line.lineId }));
    throw new InvoiceLinesNotWrittenError(put, notWritten, [...new Set(notPut.map((line) => line.errorCode))]);
  }
  return read.lines.map((line, index) => ({ row: index + 1, lineId: line.lineId }));
}
