import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  CsvFormatError,
  InvoiceLineNumbering,
  numberToMilli,
  openCsvFile,
  parseInvoiceLineCsvText,
  readInvoiceLineCsv,
  readInvoiceLines,
} from '../src';

const SAMPLE = join(__dirname, '../../../data/online-retail-sample.csv');

async function readAll(chunks: Buffer[]) {
  const rows = [];
  for await (const row of readInvoiceLineCsv(
    (async function* () {
      yield* chunks;
    })(),
  ))
    rows.push(row);
  return rows;
}

function splitAt(buffer: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buffer.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(buffer.subarray(from, point));
    from = point;
  }
  chunks.push(buffer.subarray(from));
  return chunks.filter((c) => c.length > 0);
}

const KAGGLE_HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const VOUCHER = 'Dotcomgiftshop Gift Voucher £40.00';

describe('reading CSV exports of the data set', () => {
  it('reads the Kaggle bytes (latin1 £, CRLF, quoted commas and doubled quotes) however the bytes are chunked', async () => {
    const text =
      `${KAGGLE_HEADER}\r\n536365,71053,"WHITE METAL LANTERN, LARGE",6,12/1/2010 8:26,3.39,17850,United Kingdom\r\n` +
      `536366,gift_0001_40,${VOUCHER},1,12/1/2010 8:28,34.04,,United Kingdom\r\n536367,21754,"7"" SINGLE",3,12/1/2010 8:34,1.25,13047,United Kingdom\r\n`;
    const latin1 = Buffer.from(text, 'latin1');
    expect(latin1.includes(0xa3)).toBe(true);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 6 }), async (cuts) => {
        const rows = await readAll(splitAt(latin1, cuts));
        expect(rows.map((r) => r.record.Description)).toEqual(['WHITE METAL LANTERN, LARGE', VOUCHER, '7" SINGLE']);
        expect(rows.map((r) => r.row)).toEqual([1, 2, 3]);
      }),
    );
  });

  it('reads UTF-8 with and without a BOM, split inside a multi-byte character', async () => {
    const text = `${KAGGLE_HEADER}\n536366,gift_0001_40,${VOUCHER},1,2010-12-01 08:28:00,34.04,,United Kingdom\n`;
    for (const bytes of [
      Buffer.from(text, 'utf8'),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
    ]) {
      const pound = bytes.indexOf(Buffer.from('£', 'utf8'));
      const rows = await readAll(splitAt(bytes, [pound + 1]));
      expect(rows[0]!.record.Description).toBe(VOUCHER);
      expect(Object.keys(rows[0]!.record)[0]).toBe('InvoiceNo');
    }
  });

  it('reads the Online Retail II export: CR-only endings, no final terminator, its own headers and 2-digit years', async () => {
    const text =
      'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\r' +
      '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/10 8:26,2.55,17850,United Kingdom\r' +
      '536365,71053,WHITE METAL LANTERN,6,12/1/10 8:26,3.39,17850,United Kingdom';
    const rows = await readAll([Buffer.from(text, 'latin1')]);
    const read = readInvoiceLines(rows.map((r) => r.record));
    expect(
      read.ok && read.lines.map((l) => [l.invoiceNo, l.stockCode, l.invoiceDate, l.unitPrice, l.customerId]),
    ).toEqual([
      ['536365', '85123A', '2010-12-01T08:26:00', 2.55, '17850'],
      ['536365', '71053', '2010-12-01T08:26:00', 3.39, '17850'],
    ]);
  });

  it('reads pandas copies where CustomerID is a float', () => {
    const rows = parseInvoiceLineCsvText(
      `${KAGGLE_HEADER}\n536365,85123A,X,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n`,
    );
    const read = readInvoiceLines(rows);
    expect(read.ok && read.lines[0]!.customerId).toBe('17850');
  });

  it('refuses unknown headers and ragged rows with a clear error', async () => {
    expect(() => parseInvoiceLineCsvText('InvoiceNo,Colour\n1,2\n')).toThrow(CsvFormatError);
    expect(() => parseInvoiceLineCsvText('InvoiceNo,Colour\n1,2\n')).toThrow(
      /unknown column 'Colour' in the CSV header/,
    );
    await expect(readAll([Buffer.from(`${KAGGLE_HEADER}\n1,2,3\n`)])).rejects.toThrow(/CSV data row 1 is malformed/);
  });

  it('reads the committed sample of the real data set, .csv and .csv.gz alike, with figures computed independently', async () => {
    const bytes = readFileSync(SAMPLE);
    const dir = mkdtempSync(join(tmpdir(), 'csv-'));
    writeFileSync(join(dir, 'sample.csv.gz'), gzipSync(bytes));
    // Independent count: the sample has no newline inside fields, so each CRLF line after the header is a row.
    const lines = bytes.toString('latin1').split('\r\n').slice(1).filter(Boolean);
    for (const path of [SAMPLE, join(dir, 'sample.csv.gz')]) {
      const numbering = new InvoiceLineNumbering();
      const records = [];
      for await (const { record } of readInvoiceLineCsv(openCsvFile(path)))
        records.push({ ...record, LineNo: numbering.next(record.InvoiceNo!) });
      expect(records).toHaveLength(lines.length);
      const read = readInvoiceLines(records);
      if (!read.ok) throw new Error(JSON.stringify(read.problems.slice(0, 3)));
      expect(new Set(read.lines.map((l) => l.lineId)).size).toBe(lines.length);
      const invoice536365 = read.lines.filter((l) => l.invoiceNo === '536365');
      expect(invoice536365.map((l) => l.lineNo)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(invoice536365.reduce((sum, l) => sum + numberToMilli(l.lineTotal), 0)).toBe(139_120);
      // The sample keeps real duplicate rows, and each is still its own line.
      expect(new Set(lines).size).toBeLessThan(lines.length);
    }
  });
});
