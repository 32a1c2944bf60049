import {
  numberToMilli,
  openCsvFile,
  readInvoiceLineCsv,
  readInvoiceLines,
  type InvoiceLineEvent,
} from '@retail/domain';
import { batchInvoiceLines, numberInvoiceLines, type NumberedInvoiceLine } from '../load/numbered-invoice-lines';
import { InvoiceLineTally } from './reconcile-figures';

export interface SourceFigures {
  file: string;
  rows: number;
  /** Rows the ingest API refuses (so no sink should have them): counted, not tallied. */
  rejectedRows: number;
  lines: InvoiceLineTally;
  elapsedMs: number;
}

// Rows per readInvoiceLines call: large enough to amortise the call, small enough to re-read one by one on a refusal.
const ROWS_PER_READ = 1000;

/**
 * The figures of a `.csv` or `.csv.gz` file, streamed, with line ids exactly as `npm run load` makes them: each row
 * numbered within its invoice in file order (numberInvoiceLines), then read by the domain like the ingest API does.
 */
export async function readSourceFigures(file: string): Promise<SourceFigures> {
  const started = performance.now();
  const lines = new InvoiceLineTally();
  let rows = 0;
  let rejectedRows = 0;
  for await (const batch of batchInvoiceLines(
    numberInvoiceLines(readInvoiceLineCsv(openCsvFile(file))),
    ROWS_PER_READ,
  )) {
    rows += batch.length;
    const accepted = acceptedLines(batch);
    rejectedRows += batch.length - accepted.length;
    for (const line of accepted) {
      lines.add({
        lineId: line.lineId,
        invoiceNo: line.invoiceNo,
        customerId: line.customerId,
        lineTotal: numberToMilli(line.lineTotal),
      });
    }
  }
  return { file, rows, rejectedRows, lines, elapsedMs: performance.now() - started };
}

/** The lines the API would accept: readInvoiceLines refuses a whole batch for one bad row, so re-read its rows alone. */
function acceptedLines(batch: readonly NumberedInvoiceLine[]): InvoiceLineEvent[] {
  const read = readInvoiceLines(
    batch.map((row) => row.values),
    batch[0]!.fileRow,
  );
  if (read.ok) return read.lines;
  return batch.flatMap((row) => {
    const one = readInvoiceLines([row.values], row.fileRow);
    return one.ok ? one.lines : [];
  });
}
