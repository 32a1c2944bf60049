import { isUtf8 } from 'node:buffer';
import { createReadStream, openSync, readSync, closeSync } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { ACCEPTED_COLUMN_NAMES, fieldForColumnName, type InvoiceLineField } from './invoice-line-columns';

/**
 * CSV exports of the data set, read by header and by format, streaming: the Kaggle file (latin1, CRLF), the
 * Online Retail II export (CR-only line endings, no final terminator, `Invoice`/`Price`/`Customer ID`), and
 * UTF-8 copies with or without a BOM (pandas, Spark). Line endings are detected by csv-parse from the first
 * record; the text encoding is detected here (see decodeUtf8OrLatin1).
 */
export interface CsvInvoiceRow {
  /** 1-based data row number in the file (the header is not counted). */
  row: number;
  record: Record<string, string>;
}

export class CsvFormatError extends Error {
  override readonly name = 'CsvFormatError';
}

export function checkHeader(header: readonly string[]): string[] {
  const seen = new Map<InvoiceLineField, string>();
  for (const name of header) {
    const field = fieldForColumnName(name);
    if (!field)
      throw new CsvFormatError(
        `unknown column '${name}' in the CSV header; accepted columns are ${ACCEPTED_COLUMN_NAMES.join(', ')}`,
      );
    if (seen.has(field))
      throw new CsvFormatError(`columns '${seen.get(field)}' and '${name}' in the CSV header are the same column`);
    seen.set(field, name);
  }
  return [...header];
}

const CSV_OPTIONS: Options = {
  bom: true,
  columns: (header: string[]) => checkHeader(header),
  skip_empty_lines: true,
  relax_column_count: false,
};

/** Parses a whole CSV document held in memory (an API request body). */
export function parseInvoiceLineCsvText(text: string): Record<string, string>[] {
  try {
    return parseSync(text, CSV_OPTIONS) as unknown as Record<string, string>[];
  } catch (error) {
    if (error instanceof CsvFormatError) throw error;
    throw new CsvFormatError(`the CSV body is malformed: ${(error as Error).message}`);
  }
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Opens a `.csv` or `.csv.gz` file (recognised by its bytes, not its name) as a stream of raw bytes. */
export function openCsvFile(path: string): Readable {
  const head = Buffer.alloc(2);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  return head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1] ? file.pipe(createGunzip()) : file;
}

/** Streams the rows of a CSV file; memory stays flat whatever the file's size. */
export async function* readInvoiceLineCsv(bytes: AsyncIterable<Buffer>): AsyncGenerator<CsvInvoiceRow> {
  // pipeline, not pipe: a reader that stops early or a parse error tears down every stream without an unhandled error.
  const parser = pipeline(Readable.from(decodeUtf8OrLatin1(bytes)), parse(CSV_OPTIONS), () => undefined);
  let row = 0;
  try {
    for await (const record of parser) yield { row: ++row, record: record as Record<string, string> };
  } catch (error) {
    if (error instanceof CsvFormatError) throw error;
    // csv-parse reads ahead of what was yielded: its own count of good records says where it stopped.
    const goodRecords = (error as { records?: number }).records;
    throw new CsvFormatError(`CSV data row ${(goodRecords ?? row) + 1} is malformed: ${(error as Error).message}`);
  }
}

/**
 * UTF-8 (BOM or not) unless the bytes are not valid UTF-8, then ISO-8859-1 (the Kaggle file: `£` is 0xA3).
 * A latin1 file is ASCII up to its first non-ASCII byte, so switching there loses nothing; a file that was
 * valid UTF-8 with non-ASCII text and then stops being so is refused rather than mis-read.
 */
export async function* decodeUtf8OrLatin1(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  let encoding: 'utf-8' | 'latin1' = 'utf-8';
  let sawUtf8Text = false;
  let carry = Buffer.alloc(0);
  let first = true;
  for await (const chunk of bytes) {
    let buffer = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    if (first) {
      first = false;
      if (buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) buffer = buffer.subarray(3);
    }
    if (encoding === 'latin1') {
      yield buffer.toString('latin1');
      continue;
    }
    const cut = completeUtf8Length(buffer);
    const body = buffer.subarray(0, cut);
    if (isUtf8(body)) {
      if (!sawUtf8Text && body.some((b) => b > 0x7f)) sawUtf8Text = true;
      carry = Buffer.from(buffer.subarray(cut));
      yield body.toString('utf8');
    } else {
      if (sawUtf8Text)
        throw new CsvFormatError('the file mixes UTF-8 and another encoding; re-save it as UTF-8 or ISO-8859-1');
      encoding = 'latin1';
      carry = Buffer.alloc(0);
      yield buffer.toString('latin1');
    }
  }
  if (carry.length > 0) yield isUtf8(carry) ? carry.toString('utf8') : carry.toString('latin1');
}

/** Length of the buffer without a multi-byte UTF-8 sequence cut off at its end. */
function completeUtf8Length(buffer: Buffer): number {
  for (let back = 1; back <= Math.min(3, buffer.length); back++) {
    const byte = buffer[buffer.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? buffer.length - back : buffer.length;
  }
  return buffer.length;
}
