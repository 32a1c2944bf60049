import { Readable } from 'node:stream';
import { readInvoiceLineCsv, readInvoiceLines } from '@retail/domain';
import { eventually } from '@retail/test-support';
import { IngestApiError, type BatchOutcome } from '../../src/load/ingest-api-client';
import { loadInvoiceLines } from '../../src/load/load-invoice-lines';
import { numberInvoiceLines, type NumberedInvoiceLine } from '../../src/load/numbered-invoice-lines';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const LANTERN = '536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom';
// Invoice 536365 has the same row three times, at rows 2-4, so batches of 2 cut through the duplicates.
const CSV = [
  HEADER,
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom',
  LANTERN,
  LANTERN,
  LANTERN,
  '536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom',
  '536365,22752,"SET 7 BABUSHKA, NESTING BOXES",2,12/1/2010 8:26,7.65,17850,United Kingdom',
].join('\r\n');

function linesOf(csv: string): AsyncIterable<NumberedInvoiceLine> {
  return numberInvoiceLines(readInvoiceLineCsv(Readable.from([Buffer.from(csv, 'latin1')])));
}

const accepted = (batch: readonly NumberedInvoiceLine[]): BatchOutcome => ({
  sent: batch.length,
  accepted: batch.length,
  rejectedRows: 0,
  rejections: [],
  requests: 1,
  retries: 0,
});

/** Loads the CSV with a stand-in API that keeps the batches, and returns the line ids the domain gives them. */
async function lineIdsOfALoad(
  batchSize: number,
): Promise<{ ids: string[]; batches: (readonly NumberedInvoiceLine[])[] }> {
  const batches: (readonly NumberedInvoiceLine[])[] = [];
  await loadInvoiceLines({
    lines: linesOf(CSV),
    batchSize,
    concurrency: 2,
    sendBatch: async (batch) => {
      batches.push(batch);
      return accepted(batch);
    },
  });
  const ids = batches
    .sort((a, b) => a[0]!.fileRow - b[0]!.fileRow)
    .flatMap((batch) => {
      const read = readInvoiceLines(batch.map((line) => line.values));
      if (!read.ok) throw new Error(JSON.stringify(read.problems));
      return read.lines.map((line) => line.lineId);
    });
  return { ids, batches };
}

describe('loading invoice lines in batches', () => {
  it('gives exact duplicate rows distinct line ids, also when a batch boundary falls between them', async () => {
    const { ids, batches } = await lineIdsOfALoad(2);

    // Row 6 goes back to invoice 536365: the batch is cut before it rather than mix two invoices.
    expect(batches.map((b) => b.map((line) => line.fileRow))).toEqual([[1, 2], [3, 4], [5], [6]]);
    expect(ids).toEqual(['536365:1', '536365:2', '536365:3', '536365:4', '536366:1', '536365:5']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives the same ids when the file is loaded again, whatever the batch size', async () => {
    const first = await lineIdsOfALoad(2);
    const again = await lineIdsOfALoad(2);
    const otherBatching = await lineIdsOfALoad(4);

    expect(again.ids).toEqual(first.ids);
    expect(otherBatching.ids).toEqual(first.ids);
  });

  it("sends each row keyed by the file's own column names plus LineNo", async () => {
    const retail2 = [
      'Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country',
      '489434,85048,15CM CHRISTMAS GLASS BALL 20 LIGHTS,12,12/1/09 7:45,6.95,13085,United Kingdom',
    ].join('\r');
    const sent: NumberedInvoiceLine[] = [];
    for await (const line of linesOf(retail2)) sent.push(line);

    expect(sent).toEqual([
      {
        fileRow: 1,
        invoiceNo: '489434',
        values: {
          Invoice: '489434',
          StockCode: '85048',
          Description: '15CM CHRISTMAS GLASS BALL 20 LIGHTS',
          Quantity: '12',
          InvoiceDate: '12/1/09 7:45',
          Price: '6.95',
          'Customer ID': '13085',
          Country: 'United Kingdom',
          LineNo: 1,
        },
      },
    ]);
  });

  it('cuts batches between invoices, and sends the rest of an invoice longer than a batch only after its first part', async () => {
    const csv = [
      HEADER,
      ...Array.from({ length: 5 }, () => LANTERN),
      ...['536366', '536367', '536368'].map((no) => LANTERN.replace('536365', no)),
    ].join('\r\n');
    const sent: string[][] = [];
    const finished: string[] = [];
    await loadInvoiceLines({
      lines: linesOf(csv),
      batchSize: 2,
      concurrency: 4,
      sendBatch: async (batch) => {
        const label = batch.map((line) => `${line.invoiceNo}:${line.values.LineNo}`);
        sent.push(label);
        // The first part of the long invoice answers last: its continuation must still go after it.
        await new Promise((resolve) => setTimeout(resolve, label[0] === '536365:1' ? 50 : 1));
        finished.push(label.join(' '));
        return accepted(batch);
      },
    });
    expect(sent.map((batch) => new Set(batch.map((id) => id.split(':')[0])).size)).toEqual(sent.map(() => 1));
    expect(finished.indexOf('536365:1 536365:2')).toBeLessThan(finished.indexOf('536365:3 536365:4'));
    expect(finished.indexOf('536365:3 536365:4')).toBeLessThan(finished.indexOf('536365:5'));
    expect(sent.flat()).toHaveLength(8);
  });

  it('keeps at most `concurrency` requests in flight and reads no further ahead while they are', async () => {
    let rowsPulled = 0;
    async function* counted(source: AsyncIterable<NumberedInvoiceLine>) {
      for await (const line of source) {
        rowsPulled++;
        yield line;
      }
    }
    const manyRows = [
      HEADER,
      ...Array.from(
        { length: 100 },
        (_, i) =>
          `5370${String(i).padStart(2, '0')},71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom`,
      ),
    ].join('\r\n');
    const waiting: (() => void)[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const load = loadInvoiceLines({
      lines: counted(linesOf(manyRows)),
      batchSize: 10,
      concurrency: 3,
      sendBatch: async (batch) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((resolve) => waiting.push(resolve));
        inFlight--;
        return accepted(batch);
      },
    });
    await eventually(() => expect(waiting).toHaveLength(3));
    expect(rowsPulled).toBeLessThanOrEqual(3 * 10 + 10);

    const release = setInterval(() => waiting.shift()?.(), 1);
    const summary = await load;
    clearInterval(release);
    expect(maxInFlight).toBe(3);
    expect(summary).toMatchObject({ rowsSent: 100, accepted: 100, stoppedBy: undefined });
  });

  it('stops reading when the API cannot be used, and says why', async () => {
    const manyRows = [HEADER, ...Array.from({ length: 50 }, () => LANTERN)].join('\r\n');
    let calls = 0;
    const summary = await loadInvoiceLines({
      lines: linesOf(manyRows),
      batchSize: 5,
      concurrency: 1,
      sendBatch: async (batch) => {
        if (++calls === 2) throw new IngestApiError('the ingest API refused the API key (403)', 1);
        return accepted(batch);
      },
    });

    expect(summary.stoppedBy).toContain('403');
    expect(summary.accepted).toBe(5);
    expect(summary.rowsSent).toBe(10);
    expect(summary.requests).toBe(2);
  });

  it('stops at a malformed row of the file, and still counts what was sent before it', async () => {
    const malformed = [
      HEADER,
      LANTERN,
      LANTERN,
      LANTERN,
      '536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom,extra',
      LANTERN,
    ].join('\r\n');
    const summary = await loadInvoiceLines({
      lines: linesOf(malformed),
      batchSize: 2,
      concurrency: 2,
      sendBatch: async (batch) => accepted(batch),
    });

    expect(summary.stoppedBy).toMatch(/malformed: .*columns length is 8, got 9 on line 5/);
    expect(summary.accepted).toBe(summary.rowsSent);
    expect(summary.rowsSent).toBeLessThan(4);
  });
});
