import fc from 'fast-check';
import { parseInvoiceDate } from '../src';

const two = (n: number) => String(n).padStart(2, '0');
const wallClock = fc
  .date({ min: new Date('2009-01-01T00:00:00Z'), max: new Date('2012-12-31T23:59:00Z'), noInvalidDate: true })
  .map((d) => ({
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
  }));
const iso = (c: { y: number; mo: number; d: number; h: number; mi: number }) =>
  `${c.y}-${two(c.mo)}-${two(c.d)}T${two(c.h)}:${two(c.mi)}:00`;

describe('InvoiceDate', () => {
  it('reads the data set format M/D/YYYY H:MM month first, whatever the day', () => {
    fc.assert(
      fc.property(wallClock, (c) => {
        expect(parseInvoiceDate(`${c.mo}/${c.d}/${c.y} ${c.h}:${two(c.mi)}`)).toEqual({ ok: true, iso: iso(c) });
      }),
    );
  });

  it('reads the Online Retail II two-digit years and pandas/Spark ISO copies to the same instant', () => {
    fc.assert(
      fc.property(wallClock, (c) => {
        const expected = { ok: true, iso: iso(c) };
        expect(parseInvoiceDate(`${c.mo}/${c.d}/${String(c.y).slice(2)} ${c.h}:${two(c.mi)}`)).toEqual(expected);
        expect(parseInvoiceDate(`${c.y}-${two(c.mo)}-${two(c.d)} ${two(c.h)}:${two(c.mi)}:00`)).toEqual(expected);
        expect(parseInvoiceDate(iso(c))).toEqual(expected);
      }),
    );
  });

  it('turns an explicit offset into UK wall-clock time, across the BST change', () => {
    expect(parseInvoiceDate('2011-06-01T07:26:00Z')).toEqual({ ok: true, iso: '2011-06-01T08:26:00' });
    expect(parseInvoiceDate('2011-01-10T08:26:00Z')).toEqual({ ok: true, iso: '2011-01-10T08:26:00' });
    expect(parseInvoiceDate('2011-06-01T10:26:00+02:00')).toEqual({ ok: true, iso: '2011-06-01T09:26:00' });
  });

  it('refuses impossible dates and formats it would have to guess', () => {
    expect(parseInvoiceDate('2/30/2011 8:26')).toEqual({
      ok: false,
      reason: "'2/30/2011 8:26' is not a real date and time",
    });
    expect(parseInvoiceDate('13/1/2011 8:26').ok).toBe(false);
    expect(parseInvoiceDate('12/1/2010 24:00').ok).toBe(false);
    const guess = parseInvoiceDate('01-12-2010 08:26');
    expect(guess.ok).toBe(false);
    expect(!guess.ok && guess.reason).toMatch(/expected M\/D\/YYYY H:MM/);
  });
});
