import { randomUUID } from 'node:crypto';

/**
 * Firehose's S3 object keys: `<evaluated prefix><stream name>-<stream version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>`,
 * the prefix's `!{namespace:value}` expressions evaluated at delivery. Every timestamp in one key (prefix and
 * name) is the arrival time of the oldest record in the object, in the stream's time zone.
 */
export interface S3PrefixTemplate {
  readonly text: string;
  readonly parts: readonly PrefixPart[];
  /** Keys used as `!{partitionKeyFromQuery:key}`, in order of appearance. */
  readonly partitionKeys: readonly string[];
  readonly usesErrorOutputType: boolean;
}

type PrefixPart =
  | { kind: 'literal'; text: string }
  | { kind: 'partitionKey'; key: string }
  | { kind: 'timestamp'; format: TimestampFormat }
  | { kind: 'errorOutputType' }
  | { kind: 'randomString' };

export interface PrefixValues {
  /** Arrival time of the oldest record in the object. */
  oldestArrival: Date;
  timeZone: string;
  partitionKeys?: Readonly<Record<string, string>>;
  /** For the error output prefix, e.g. partitioning-failed. */
  errorOutputType?: string;
}

// AWS's prefix when the stream declares none: an hourly folder of arrival time.
export const DEFAULT_PREFIX = '!{timestamp:yyyy/MM/dd/HH/}';

const EXPRESSION = /!\{([^:{}]*):([^{}]*)\}/g;

export function parseS3PrefixTemplate(text: string): S3PrefixTemplate {
  const parts: PrefixPart[] = [];
  let last = 0;
  for (const match of text.matchAll(EXPRESSION)) {
    if (match.index > last) parts.push({ kind: 'literal', text: text.slice(last, match.index) });
    parts.push(expressionPart(match[1]!, match[2]!));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'literal', text: text.slice(last) });
  const stray = parts.find((part) => part.kind === 'literal' && part.text.includes('!{'));
  if (stray) throw new Error(`has a malformed expression: write !{namespace:value}`);
  return {
    text,
    parts,
    partitionKeys: parts.flatMap((part) => (part.kind === 'partitionKey' ? [part.key] : [])),
    usesErrorOutputType: parts.some((part) => part.kind === 'errorOutputType'),
  };
}

function expressionPart(namespace: string, value: string): PrefixPart {
  switch (namespace) {
    case 'partitionKeyFromQuery':
      if (!/^[A-Za-z0-9_]+$/.test(value)) throw new Error(`!{partitionKeyFromQuery:${value}} names no partition key`);
      return { kind: 'partitionKey', key: value };
    case 'timestamp':
      return { kind: 'timestamp', format: compileTimestampFormat(value) };
    case 'firehose':
      if (value === 'error-output-type') return { kind: 'errorOutputType' };
      if (value === 'random-string') return { kind: 'randomString' };
      throw new Error(
        `!{firehose:${value}} is unknown: the firehose namespace has error-output-type and random-string`,
      );
    case 'partitionKeyFromLambda':
      throw new Error('!{partitionKeyFromLambda:...} needs a Lambda processor, which the local Firehose does not run');
    default:
      throw new Error(
        `!{${namespace}:...} is not a namespace Firehose knows (firehose, timestamp, partitionKeyFromQuery, partitionKeyFromLambda)`,
      );
  }
}

export function evaluatePrefix(template: S3PrefixTemplate, values: PrefixValues): string {
  const clock = wallClock(values.oldestArrival, values.timeZone);
  return template.parts
    .map((part) => {
      switch (part.kind) {
        case 'literal':
          return part.text;
        case 'timestamp':
          return part.format(clock);
        case 'partitionKey': {
          const value = values.partitionKeys?.[part.key];
          if (value === undefined) throw new Error(`no value for !{partitionKeyFromQuery:${part.key}}`);
          return value;
        }
        case 'errorOutputType':
          if (values.errorOutputType === undefined)
            throw new Error('!{firehose:error-output-type} outside the error output prefix');
          return values.errorOutputType;
        case 'randomString':
          return randomString();
      }
    })
    .join('');
}

/** The object name after the prefix; `version` is the delivery stream's version (1 until its configuration changes). */
export function objectName(
  streamName: string,
  version: number,
  oldestArrival: Date,
  timeZone: string,
  extension: string,
): string {
  const time = formatObjectTime(wallClock(oldestArrival, timeZone));
  return `${streamName}-${version}-${time}-${randomUUID()}${extension}`;
}

// AWS documents random-string as 11 characters of letters and digits.
function randomString(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length: 11 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

type TimestampFormat = (clock: WallClock) => string;

function wallClock(instant: Date, timeZone: string): WallClock {
  if (timeZone === 'UTC') {
    return {
      year: instant.getUTCFullYear(),
      month: instant.getUTCMonth() + 1,
      day: instant.getUTCDate(),
      hour: instant.getUTCHours(),
      minute: instant.getUTCMinutes(),
      second: instant.getUTCSeconds(),
    };
  }
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
}

const PATTERN_FIELDS: Record<string, (clock: WallClock, width: number) => string> = {
  y: ({ year }, width) => (width === 2 ? String(year % 100).padStart(2, '0') : String(year).padStart(width, '0')),
  M: ({ month }, width) => String(month).padStart(width, '0'),
  d: ({ day }, width) => String(day).padStart(width, '0'),
  H: ({ hour }, width) => String(hour).padStart(width, '0'),
  m: ({ minute }, width) => String(minute).padStart(width, '0'),
  s: ({ second }, width) => String(second).padStart(width, '0'),
};

/**
 * The numeric subset of Java's DateTimeFormatter patterns: y, M, d, H, m, s (at most 2 letters, y up to 4),
 * quoted text ('T', '' for a quote) and any non-letter as itself. Other letters (MMM, E, a, ...) are refused.
 */
function compileTimestampFormat(pattern: string): TimestampFormat {
  const pieces: TimestampFormat[] = [];
  let i = 0;
  while (i < pattern.length) {
    const character = pattern[i]!;
    if (character === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new Error(`!{timestamp:${pattern}} has an unclosed quote`);
      const literal = end === i + 1 ? "'" : pattern.slice(i + 1, end);
      pieces.push(() => literal);
      i = end + 1;
    } else if (/[A-Za-z]/.test(character)) {
      let width = 1;
      while (pattern[i + width] === character) width++;
      const field = PATTERN_FIELDS[character];
      const maxWidth = character === 'y' ? 4 : 2;
      if (field === undefined || width > maxWidth) {
        throw new Error(
          `!{timestamp:${pattern}} uses ${character.repeat(width)}, outside the subset the local Firehose formats (yyyy, yy, MM, dd, HH, mm, ss)`,
        );
      }
      pieces.push((clock) => field(clock, width));
      i += width;
    } else {
      pieces.push(() => character);
      i++;
    }
  }
  return (clock) => pieces.map((piece) => piece(clock)).join('');
}

const formatObjectTime = compileTimestampFormat('yyyy-MM-dd-HH-mm-ss');
