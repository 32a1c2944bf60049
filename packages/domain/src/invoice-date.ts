/**
 * InvoiceDate as the data set records it: UK wall-clock time with no zone. Formats are recognised by shape,
 * never by guessing a day/month order: both exports of this data set write slash dates month first
 * (`12/1/2010 8:26` in Online Retail, `12/1/10 8:26` in Online Retail II); pandas and Spark copies write ISO 8601.
 * The canonical form is ISO 8601 local time without offset: `2010-12-01T08:26:00`.
 */
export type DateParse = { ok: true; iso: string } | { ok: false; reason: string };

const MONTH_FIRST = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2}) (\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DATA_SET_TIME_ZONE = 'Europe/London';

export const ACCEPTED_DATE_FORMATS =
  'M/D/YYYY H:MM (e.g. 12/1/2010 8:26), M/D/YY H:MM, or ISO 8601 (e.g. 2010-12-01T08:26:00)';

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function parseInvoiceDate(text: string): DateParse {
  const trimmed = text.trim();
  const slash = MONTH_FIRST.exec(trimmed);
  if (slash) {
    const [, month, day, year, hour, minute, second] = slash;
    const fullYear = year!.length === 2 ? 2000 + Number(year) : Number(year);
    return fromWallClock(trimmed, {
      year: fullYear,
      month: +month!,
      day: +day!,
      hour: +hour!,
      minute: +minute!,
      second: +(second ?? 0),
    });
  }
  const iso = ISO_8601.exec(trimmed);
  if (iso) {
    const [, year, month, day, hour, minute, second, zone] = iso;
    const clock = { year: +year!, month: +month!, day: +day!, hour: +hour!, minute: +minute!, second: +(second ?? 0) };
    const checked = fromWallClock(trimmed, clock);
    if (!checked.ok || zone === undefined) return checked;
    return { ok: true, iso: toLondonWallClock(clock, zone) };
  }
  return {
    ok: false,
    reason: `'${trimmed}' is not a date in a format this data set uses: expected ${ACCEPTED_DATE_FORMATS}`,
  };
}

function fromWallClock(text: string, c: WallClock): DateParse {
  const asUtc = new Date(Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second));
  const impossible =
    c.month < 1 ||
    c.month > 12 ||
    c.hour > 23 ||
    c.minute > 59 ||
    c.second > 59 ||
    asUtc.getUTCFullYear() !== c.year ||
    asUtc.getUTCMonth() !== c.month - 1 ||
    asUtc.getUTCDate() !== c.day;
  if (impossible) return { ok: false, reason: `'${text}' is not a real date and time` };
  return { ok: true, iso: formatWallClock(c) };
}

function formatWallClock(c: WallClock): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${c.year}-${two(c.month)}-${two(c.day)}T${two(c.hour)}:${two(c.minute)}:${two(c.second)}`;
}

const londonClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: DATA_SET_TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** An instant with an explicit offset becomes the UK wall-clock time the rest of the data set is in. */
function toLondonWallClock(c: WallClock, zone: string): string {
  const offsetMinutes =
    zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const instant = Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second) - offsetMinutes * 60_000;
  const parts = Object.fromEntries(londonClock.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}
