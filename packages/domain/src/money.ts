/**
 * Money as integer thousandths (the data set's prices have at most 3 decimals, e.g. 0.001 for PADS), so sums
 * never drift: 9,747,747.934 is exactly 9_747_747_934 thousandths.
 */
export type Milli = number;

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?$/;
const MAX_ABS_MILLI = 1e15; // far above any real price x quantity, far below 2^53

export type DecimalParse = { ok: true; milli: Milli } | { ok: false; reason: string };

/** Parses a decimal written as text or as a JSON number into thousandths, refusing anything it would round. */
export function parseMilli(value: string | number): DecimalParse {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, reason: `'${text}' is not a decimal number` };
  const [, sign, whole, fraction = ''] = match;
  const significantFraction = fraction.replace(/0+$/, '');
  if (significantFraction.length > 3) return { ok: false, reason: `'${text}' has more than 3 decimal places` };
  const milli = Number(whole) * 1000 + Number(significantFraction.padEnd(3, '0'));
  if (!Number.isSafeInteger(milli) || milli > MAX_ABS_MILLI) return { ok: false, reason: `'${text}' is out of range` };
  return { ok: true, milli: sign === '-' && milli !== 0 ? -milli : milli };
}

/** The JSON number for an amount: the double nearest the decimal, which JSON prints as that exact decimal. */
export function milliToNumber(milli: Milli): number {
  return milli / 1000 + 0; // + 0 turns -0 (a free line with negative quantity) into 0
}

/** Exact decimal text with no trailing zeros beyond what is needed, e.g. 139120 -> "139.12". */
export function formatMilli(milli: Milli): string {
  const sign = milli < 0 ? '-' : '';
  const abs = Math.abs(milli);
  const whole = Math.floor(abs / 1000);
  const fraction = String(abs % 1000)
    .padStart(3, '0')
    .replace(/0+$/, '');
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

export function sumMilli(values: Iterable<Milli>): Milli {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** Back from a JSON amount (at most 3 decimals) to exact thousandths, for sums. */
export function numberToMilli(amount: number): Milli {
  return Math.round(amount * 1000);
}
