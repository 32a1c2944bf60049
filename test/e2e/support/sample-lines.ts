import path from 'node:path';
import {
  InvoiceLineNumbering,
  openCsvFile,
  readInvoiceLineCsv,
  readInvoiceLines,
  type InvoiceLineEvent,
} from '@retail/domain';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const SAMPLE_FILE = path.join(REPO_ROOT, 'data', 'online-retail-sample.csv');

/** The sample's lines as the loader identifies them, computed here from the file with the domain alone. */
export async function sampleLines(): Promise<InvoiceLineEvent[]> {
  const numbering = new InvoiceLineNumbering();
  const rows: Record<string, unknown>[] = [];
  for await (const { record } of readInvoiceLineCsv(openCsvFile(SAMPLE_FILE)))
    rows.push({ ...record, LineNo: numbering.next(record.InvoiceNo!) });
  const read = readInvoiceLines(rows);
  if (!read.ok) throw new Error(`the sample has invalid rows: ${JSON.stringify(read.problems.slice(0, 3))}`);
  return read.lines;
}
