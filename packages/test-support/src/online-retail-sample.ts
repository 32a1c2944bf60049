import { resolve } from 'node:path';
import {
  InvoiceLineNumbering,
  datasetNameOf,
  openCsvFile,
  readInvoiceLineCsv,
  readInvoiceLines,
  type InvoiceLineEvent,
} from '@retail/domain';

const SAMPLE_FILE = resolve(__dirname, '../../../data/online-retail-sample.csv');

/** The rows of data/online-retail-sample.csv as the file has them: the data set's column names, text values. */
export async function readSampleRows(): Promise<Record<string, string>[]> {
  const rows: Record<string, string>[] = [];
  for await (const { record } of readInvoiceLineCsv(openCsvFile(SAMPLE_FILE))) rows.push(record);
  return rows;
}

/** The sample's rows as canonical events, each numbered within its invoice in file order (as `npm run load` does). */
export function sampleLines(rows: readonly Record<string, string>[]): InvoiceLineEvent[] {
  const numbering = new InvoiceLineNumbering();
  const invoiceNo = datasetNameOf('invoiceNo');
  const read = readInvoiceLines(
    rows.map((row) => ({ ...row, [datasetNameOf('lineNo')]: numbering.next(row[invoiceNo]!.trim()) })),
  );
  if (!read.ok) throw new Error(`the sample does not read: ${JSON.stringify(read.problems.slice(0, 3))}`);
  return read.lines;
}
