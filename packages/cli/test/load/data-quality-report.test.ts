import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { openCsvFile, readInvoiceLineCsv } from '@retail/domain';
import { computeDataQualityReport, formatDataQualityReport } from '../../src/load/data-quality-report';
import { numberInvoiceLines } from '../../src/load/numbered-invoice-lines';
import { SAMPLE_DATA_FILE } from '../../src/command/repository-paths';

/** The sample read the plainest way: latin1, CRLF, RFC 4180 quotes. Independent of the domain's reader. */
function parseSampleByHand(): string[][] {
  const lines = readFileSync(SAMPLE_DATA_FILE, 'latin1')
    .split('\r\n')
    .filter((line) => line !== '');
  return lines.slice(1).map((line) => {
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted && ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = !quoted;
      } else if (ch === ',' && !quoted) {
        fields.push(field);
        field = '';
      } else {
        field += ch;
      }
    }
    fields.push(field);
    return fields;
  });
}

/** Price text to integer thousandths with BigInt, so the expected revenue is exact by construction. */
function thousandths(price: string): bigint {
  const negative = price.startsWith('-');
  const [whole, fraction = ''] = price.replace('-', '').split('.');
  const value = BigInt(whole!) * 1000n + BigInt(fraction.padEnd(3, '0').slice(0, 3));
  return negative ? -value : value;
}

function asDecimal(milli: bigint): string {
  const negative = milli < 0n;
  const abs = negative ? -milli : milli;
  const fraction = (abs % 1000n).toString().padStart(3, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${abs / 1000n}${fraction ? `.${fraction}` : ''}`;
}

function sortableDate(text: string): string {
  const [, m, d, y, h, min] = /^(\d+)\/(\d+)\/(\d+) (\d+):(\d+)$/.exec(text)!;
  const two = (s: string | undefined) => s!.padStart(2, '0');
  return `${y}-${two(m)}-${two(d)}T${two(h)}:${two(min)}:00`;
}

describe('data-quality report of the committed sample', () => {
  const rows = parseSampleByHand();
  const col = { invoice: 0, stock: 1, description: 2, quantity: 3, date: 4, price: 5, customer: 6, country: 7 };
  const expected = (() => {
    const invoices = new Set(rows.map((r) => r[col.invoice]!));
    const copies = new Map<string, number>();
    for (const r of rows) copies.set(r.join('\u0000'), (copies.get(r.join('\u0000')) ?? 0) + 1);
    const clean = rows.filter(
      (r) =>
        r[col.customer] !== '' &&
        !r[col.invoice]!.startsWith('C') &&
        Number(r[col.quantity]) > 0 &&
        Number(r[col.price]) > 0,
    );
    const dates = rows.map((r) => sortableDate(r[col.date]!)).sort();
    return {
      rows: rows.length,
      invoices: invoices.size,
      cancellationInvoices: [...invoices].filter((i) => i.startsWith('C')).length,
      adjustmentInvoices: [...invoices].filter((i) => i.startsWith('A')).length,
      customers: new Set(rows.map((r) => r[col.customer]).filter((c) => c !== '')).size,
      countries: new Set(rows.map((r) => r[col.country])).size,
      firstDate: dates[0],
      lastDate: dates[dates.length - 1],
      days: new Set(dates.map((d) => d.slice(0, 10))).size,
      cancellationRows: rows.filter((r) => r[col.invoice]!.startsWith('C')).length,
      missingCustomerId: rows.filter((r) => r[col.customer] === '').length,
      missingDescription: rows.filter((r) => r[col.description]!.trim() === '').length,
      quantityNotPositive: rows.filter((r) => Number(r[col.quantity]) <= 0).length,
      priceZero: rows.filter((r) => Number(r[col.price]) === 0).length,
      priceNegative: rows.filter((r) => Number(r[col.price]) < 0).length,
      duplicateExtraCopies: [...copies.values()].reduce((sum, n) => sum + n - 1, 0),
      duplicateGroups: [...copies.values()].filter((n) => n > 1).length,
      revenue: asDecimal(rows.reduce((sum, r) => sum + BigInt(r[col.quantity]!) * thousandths(r[col.price]!), 0n)),
      cleanRows: clean.length,
      cleanCustomers: new Set(clean.map((r) => r[col.customer])).size,
      cleanRevenue: asDecimal(
        clean.reduce((sum, r) => sum + BigInt(r[col.quantity]!) * thousandths(r[col.price]!), 0n),
      ),
      giftVoucherRows: rows.filter((r) => r[col.stock]!.startsWith('gift_')).length,
      postageRows: rows.filter((r) => ['POST', 'DOT', 'C2'].includes(r[col.stock]!)).length,
    };
  })();

  it('matches figures computed from a plain parse of the same file', async () => {
    const report = await computeDataQualityReport(
      numberInvoiceLines(readInvoiceLineCsv(openCsvFile(SAMPLE_DATA_FILE))),
    );

    expect(report.rows).toBe(expected.rows);
    expect(report.validRows).toBe(expected.rows);
    expect(report.invoices).toEqual({
      distinct: expected.invoices,
      cancellations: expected.cancellationInvoices,
      adjustments: expected.adjustmentInvoices,
    });
    expect(report.customers).toBe(expected.customers);
    expect(report.countries).toBe(expected.countries);
    expect(report.invoiceDates).toEqual({ first: expected.firstDate, last: expected.lastDate, days: expected.days });
    expect(report.cancellationRows).toBe(expected.cancellationRows);
    expect(report.missingCustomerId).toBe(expected.missingCustomerId);
    expect(report.missingDescription).toBe(expected.missingDescription);
    expect(report.quantityNotPositive.rows).toBe(expected.quantityNotPositive);
    expect(report.unitPriceNotPositive).toEqual({
      rows: expected.priceZero + expected.priceNegative,
      zero: expected.priceZero,
      negative: expected.priceNegative,
    });
    expect(report.exactDuplicates).toEqual({
      extraCopies: expected.duplicateExtraCopies,
      groups: expected.duplicateGroups,
    });
    expect(report.revenue).toBe(expected.revenue);
    expect(report.cleanSales).toEqual({
      rows: expected.cleanRows,
      customers: expected.cleanCustomers,
      revenue: expected.cleanRevenue,
    });
    expect(report.nonProductStockCodeRows['gift-voucher']).toBe(expected.giftVoucherRows);
    expect(report.nonProductStockCodeRows.postage).toBe(expected.postageRows);
    expect(report.invalidRows).toEqual({ rows: 0, reasons: [] });
  });

  it('agrees with what the sample README says of it', async () => {
    const report = await computeDataQualityReport(
      numberInvoiceLines(readInvoiceLineCsv(openCsvFile(SAMPLE_DATA_FILE))),
    );
    // data/README.md: 3,953 rows, 26 cancellation rows, 44 exact duplicate rows, 3 adjustment invoices.
    expect([
      report.rows,
      report.cancellationRows,
      report.exactDuplicates.extraCopies,
      report.invoices.adjustments,
    ]).toEqual([3953, 26, 44, 3]);
  });
});

describe('data-quality report of a file with invalid rows', () => {
  const csv = [
    'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
    '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom',
    '536365,71053,WHITE METAL LANTERN,six,12/1/2010 8:26,3.39,17850,United Kingdom',
    '536366,22633,HAND WARMER UNION JACK,6,31/12/2010 8:28,1.85,17850,United Kingdom',
    '536366,22632,HAND WARMER RED POLKA DOT,many,12/1/2010 8:28,1.85,17850,United Kingdom',
    '536367,84879,ASSORTED COLOUR BIRD ORNAMENT,32,12/1/2010 8:34,1.69,13047,United Kingdom',
  ].join('\r\n');

  it('counts only valid rows in the figures and groups the invalid ones by reason, with file row numbers', async () => {
    const report = await computeDataQualityReport(
      numberInvoiceLines(readInvoiceLineCsv(Readable.from([Buffer.from(csv, 'latin1')]))),
    );

    expect(report.rows).toBe(5);
    expect(report.validRows).toBe(2);
    expect(report.revenue).toBe(asDecimal(6n * 2550n + 32n * 1690n));
    expect(report.invalidRows.rows).toBe(3);
    const quantity = report.invalidRows.reasons.find((r) => r.field === 'Quantity');
    expect(quantity).toMatchObject({ rows: 2, exampleRows: [2, 4] });
    const date = report.invalidRows.reasons.find((r) => r.field === 'InvoiceDate');
    expect(date).toMatchObject({ rows: 1, exampleRows: [3] });
    expect(formatDataQualityReport(report)).toContain('2 x Quantity');
  });
});
