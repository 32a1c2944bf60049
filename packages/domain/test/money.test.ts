import fc from 'fast-check';
import { formatMilli, milliToNumber, numberToMilli, parseMilli } from '../src';

describe('money in thousandths', () => {
  it('round-trips every decimal with up to 3 places, written as text or as a JSON number', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (milli) => {
        const text = formatMilli(milli);
        expect(parseMilli(text)).toEqual({ ok: true, milli });
        expect(parseMilli(milliToNumber(milli))).toEqual({ ok: true, milli });
        expect(numberToMilli(milliToNumber(milli))).toBe(milli);
      }),
    );
  });

  it('sums the data set style amounts without float drift', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -100_000_000, max: 100_000_000 }), { maxLength: 200 }), (amounts) => {
        const exact = amounts.reduce((a, b) => a + b, 0);
        const viaNumbers = amounts.map(milliToNumber).reduce((total, n) => total + numberToMilli(n), 0);
        expect(viaNumbers).toBe(exact);
      }),
    );
  });

  it('refuses what it would have to round or cannot read', () => {
    expect(parseMilli('2.5501')).toEqual({ ok: false, reason: "'2.5501' has more than 3 decimal places" });
    expect(parseMilli('2.55000')).toEqual({ ok: true, milli: 2550 });
    expect(parseMilli('1e3').ok).toBe(false);
    expect(parseMilli('abc').ok).toBe(false);
    expect(parseMilli('').ok).toBe(false);
    expect(parseMilli(-11062.06)).toEqual({ ok: true, milli: -11_062_060 });
    expect(parseMilli('0.001')).toEqual({ ok: true, milli: 1 });
  });
});
