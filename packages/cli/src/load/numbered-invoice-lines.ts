import { datasetNameOf, fieldForColumnName, InvoiceLineNumbering, type CsvInvoiceRow } from '@retail/domain';

/** A data row as the ingest API receives it: keyed by the file's own column names, plus its LineNo. */
export interface NumberedInvoiceLine {
  /** 1-based data row number in the file, to report a rejected row where the user can find it. */
  fileRow: number;
  /** The invoice number as the domain trims it: batches keep an invoice's lines together and in order. */
  invoiceNo: string;
  values: Record<string, string | number>;
}

const LINE_NO_COLUMN = datasetNameOf('lineNo');

/**
 * Gives each row its position within its invoice in file order, so a line's id (`<invoiceNo>:<lineNo>`) is the
 * same on every run and every retry, and exact duplicate rows stay distinct lines. A file that already has a
 * LineNo column keeps its own numbers.
 */
export async function* numberInvoiceLines(rows: AsyncIterable<CsvInvoiceRow>): AsyncGenerator<NumberedInvoiceLine> {
  const numbering = new InvoiceLineNumbering();
  let columns: { invoiceNo: string | undefined; hasLineNo: boolean } | undefined;
  for await (const { row, record } of rows) {
    columns ??= columnsOf(Object.keys(record));
    // Keyed like the API keys the line id: the invoice number as trimmed by the domain's schema.
    const invoiceNo = columns.invoiceNo === undefined ? '' : (record[columns.invoiceNo] ?? '').trim();
    if (columns.hasLineNo) {
      yield { fileRow: row, invoiceNo, values: record };
      continue;
    }
    yield { fileRow: row, invoiceNo, values: { ...record, [LINE_NO_COLUMN]: numbering.next(invoiceNo) } };
  }
}

function columnsOf(header: readonly string[]) {
  return {
    invoiceNo: header.find((name) => fieldForColumnName(name) === 'invoiceNo'),
    hasLineNo: header.some((name) => fieldForColumnName(name) === 'lineNo'),
  };
}

/**
 * Groups rows into batches of at most `size`, in file order, cutting between invoices where it can: batches sent
 * concurrently then never share an invoice, so each invoice's lines reach the stream in order. Only an invoice
 * longer than a batch is cut inside; the loader sends its continuation after the batch before it.
 */
export async function* batchInvoiceLines(
  rows: AsyncIterable<NumberedInvoiceLine>,
  size: number,
): AsyncGenerator<NumberedInvoiceLine[]> {
  let batch: NumberedInvoiceLine[] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= size) {
      const cut = startOfLastInvoice(batch);
      yield cut > 0 ? batch.slice(0, cut) : batch;
      batch = cut > 0 ? batch.slice(cut) : [];
    }
  }
  if (batch.length > 0) yield batch;
}

function startOfLastInvoice(batch: readonly NumberedInvoiceLine[]): number {
  const last = batch[batch.length - 1]!.invoiceNo;
  let start = batch.length - 1;
  while (start > 0 && batch[start - 1]!.invoiceNo === last) start--;
  return start;
}
