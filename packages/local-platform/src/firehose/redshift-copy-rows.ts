import type { ClientBase } from 'pg';
import type { RedshiftCopyOptions } from './redshift-destination';

/** A column of the COPY's target table, as PostgreSQL's information_schema describes it. */
export interface TargetColumn {
  name: string;
  /** information_schema.columns.data_type, e.g. character varying, integer, numeric, boolean, timestamp without time zone. */
  dataType: string;
  /** VARCHAR(n)/CHAR(n): n, which Redshift counts in bytes. */
  maxLength: number | null;
  numericPrecision: number | null;
  numericScale: number | null;
}

/**
 * The target table's columns as COPY fills them: those named (the COPY's column list, matched case-insensitively as
 * Redshift matches them) in that order, or every column in table order when none is named. Errors are phrased as
 * Redshift phrases them; `fail` makes the caller's own error type of them.
 */
export async function readTargetColumns(
  client: ClientBase,
  table: string,
  columnNames: readonly string[],
  fail: (message: string) => Error = (message) => new Error(message),
): Promise<TargetColumn[]> {
  const [schema, name] = table.includes('.') ? table.split('.') : ['public', table];
  const { rows } = await client.query<{
    column_name: string;
    data_type: string;
    character_maximum_length: number | null;
    numeric_precision: number | null;
    numeric_scale: number | null;
  }>(
    `SELECT column_name, data_type, character_maximum_length, numeric_precision, numeric_scale
       FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema!.toLowerCase(), name!.toLowerCase()],
  );
  if (rows.length === 0) throw fail(`relation "${table}" does not exist: has the warehouse schema been applied?`);
  const byName = new Map(rows.map((row) => [row.column_name, row]));
  const names =
    columnNames.length > 0 ? columnNames.map((column) => column.toLowerCase()) : rows.map((row) => row.column_name);
  return names.map((column) => {
    const row = byName.get(column);
    if (row === undefined) throw fail(`column "${column}" of relation "${table}" does not exist`);
    return {
      name: column,
      dataType: row.data_type,
      maxLength: row.character_maximum_length,
      numericPrecision: row.numeric_precision,
      numericScale: row.numeric_scale,
    };
  });
}

/** One row Redshift would reject, with the stl_load_errors columns that matter. */
export interface RowError {
  colname: string;
  /** stl_load_errors.type: the column's type as Redshift names it. */
  type: string;
  colLength: string;
  rawFieldValue: string;
  errCode: number;
  errReason: string;
}

/** How a record's fields are found: one jsonpath per column (jsonpaths file) or the column names as keys ('auto'). */
export type FieldLocator =
  { kind: 'jsonpaths'; paths: readonly (readonly (string | number)[])[] } | { kind: 'auto'; ignoreCase: boolean };

// Redshift's load error codes (STL_LOAD_ERRORS err_code, "Load error reference" in its developer guide).
const ERROR_STRING_TOO_LONG = 1204;
const ERROR_INVALID_DATE = 1205;
const ERROR_INVALID_TIMESTAMP = 1206;
const ERROR_INVALID_DIGIT = 1207;
const ERROR_INVALID_BOOLEAN = 1210;
const ERROR_NUMERIC_OVERFLOW = 1216;
const ERROR_INVALID_JSON = 1224;

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/**
 * Parses a jsonpaths file as Redshift does: `{"jsonpaths": ["$.a", "$['b']", "$.c[0]"]}`, one path per column of
 * the COPY's column list, in order. Filters and wildcards are refused, as Redshift refuses them.
 */
export function parseJsonpaths(document: string, columnCount: number, where: string): FieldLocator {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    throw new Error(`${where} is not JSON: a jsonpaths file is {"jsonpaths": ["$.field", ...]}.`);
  }
  const paths = (parsed as { jsonpaths?: unknown }).jsonpaths;
  if (!Array.isArray(paths) || paths.some((path) => typeof path !== 'string'))
    throw new Error(`${where} has no "jsonpaths" list of strings.`);
  if (paths.length !== columnCount)
    throw new Error(
      `${where} has ${paths.length} jsonpaths for ${columnCount} columns: Redshift fails such a COPY ("Number of jsonpaths and the number of columns should match").`,
    );
  return { kind: 'jsonpaths', paths: (paths as string[]).map((path) => parseJsonpath(path, where)) };
}

function parseJsonpath(path: string, where: string): (string | number)[] {
  if (!path.startsWith('$')) throw new Error(`${where}: jsonpath ${JSON.stringify(path)} must start with $.`);
  const steps: (string | number)[] = [];
  const step = /\.([A-Za-z_][A-Za-z0-9_]*)|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/y;
  step.lastIndex = 1;
  while (step.lastIndex < path.length) {
    const match = step.exec(path);
    if (match === null)
      throw new Error(`${where}: jsonpath ${JSON.stringify(path)} is not a plain path ($.a.b, $['a'], $.a[0]).`);
    steps.push(match[4] !== undefined ? Number(match[4]) : (match[1] ?? match[2] ?? match[3])!);
  }
  return steps;
}

/**
 * Turns one record into the fields of one COPY row (null for NULL, text PostgreSQL's COPY reads for the column's
 * type), applying what Redshift checks and PostgreSQL would not: VARCHAR lengths in bytes, its timestamp formats
 * (without TIMEFORMAT 'auto', no ISO `T`), its booleans.
 */
export function recordToRow(
  text: string,
  columns: readonly TargetColumn[],
  locator: FieldLocator,
  options: RedshiftCopyOptions,
): { fields: (string | null)[] } | { error: RowError } {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return { error: rowError(columns[0], '', ERROR_INVALID_JSON, 'Invalid JSON object') };
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return { error: rowError(columns[0], '', ERROR_INVALID_JSON, 'Invalid JSONPath format: Member is not an object.') };
  const fields: (string | null)[] = [];
  for (const [index, column] of columns.entries()) {
    const value = fieldOf(record as Record<string, unknown>, column.name, index, locator);
    const converted = convertField(value, column, options);
    if ('error' in converted) return { error: converted.error };
    fields.push(converted.field);
  }
  return { fields };
}

function fieldOf(record: Record<string, unknown>, column: string, index: number, locator: FieldLocator): unknown {
  if (locator.kind === 'auto') {
    if (!locator.ignoreCase) return record[column];
    const key = Object.keys(record).find((name) => name.toLowerCase() === column.toLowerCase());
    return key === undefined ? undefined : record[key];
  }
  let value: unknown = record;
  for (const step of locator.paths[index]!) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[step];
  }
  return value;
}

function convertField(
  value: unknown,
  column: TargetColumn,
  options: RedshiftCopyOptions,
): { field: string | null } | { error: RowError } {
  if (value === undefined || value === null) return { field: null };
  const raw = typeof value === 'string' ? value : JSON.stringify(value);
  const fail = (code: number, reason: string) => ({ error: rowError(column, raw, code, reason) });
  switch (column.dataType) {
    case 'character varying':
    case 'character':
    case 'text': {
      if (typeof value === 'string' && options.emptyAsNull && value === '') return { field: null };
      if (typeof value === 'string' && options.blanksAsNull && value.trim() === '') return { field: null };
      let field = raw;
      const bytes = Buffer.byteLength(field, 'utf8');
      if (column.maxLength !== null && bytes > column.maxLength) {
        if (!options.truncateColumns) return fail(ERROR_STRING_TOO_LONG, 'String length exceeds DDL length');
        field = truncateToBytes(field, column.maxLength);
      }
      return { field };
    }
    case 'smallint':
    case 'integer':
    case 'bigint': {
      const digits = typeof value === 'number' || typeof value === 'string' ? String(value).trim() : '';
      const invalid = /[^0-9+-]/.exec(digits);
      if (typeof value === 'boolean' || digits === '' || invalid !== null || !/^[+-]?\d+$/.test(digits))
        return fail(
          ERROR_INVALID_DIGIT,
          `Invalid digit, Value '${invalid?.[0] ?? digits.slice(0, 1)}', Pos ${invalid ? invalid.index : 0}, Type: ${redshiftTypeName(column)}`,
        );
      const [min, max] = INTEGER_RANGES[column.dataType]!;
      const number = BigInt(digits);
      if (number < min || number > max) return fail(ERROR_NUMERIC_OVERFLOW, `Overflow for ${redshiftTypeName(column)}`);
      return { field: number.toString() };
    }
    case 'numeric':
    case 'real':
    case 'double precision': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text))
        return fail(
          ERROR_INVALID_DIGIT,
          `Invalid digit, Value '${text.slice(0, 1)}', Pos 0, Type: ${redshiftTypeName(column)}`,
        );
      if (column.dataType === 'numeric' && column.numericPrecision !== null && column.numericScale !== null) {
        const integerDigits = Math.abs(Math.trunc(Number(text)))
          .toString()
          .replace(/^0$/, '').length;
        if (integerDigits > column.numericPrecision - column.numericScale)
          return fail(ERROR_NUMERIC_OVERFLOW, `Numeric data overflow (result precision)`);
      }
      return { field: text };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { field: value ? 't' : 'f' };
      const text = String(value).trim().toLowerCase();
      if (['t', 'true', '1', 'y', 'yes'].includes(text)) return { field: 't' };
      if (['f', 'false', '0', 'n', 'no'].includes(text)) return { field: 'f' };
      return fail(ERROR_INVALID_BOOLEAN, `Invalid boolean value`);
    }
    case 'timestamp without time zone':
    case 'timestamp with time zone': {
      const timestamp = typeof value === 'string' ? parseTimestamp(value, options.timeFormatAuto) : undefined;
      if (timestamp === undefined)
        return fail(
          ERROR_INVALID_TIMESTAMP,
          options.timeFormatAuto
            ? 'Invalid timestamp format or value [auto]'
            : 'Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]',
        );
      return { field: timestamp };
    }
    case 'date': {
      const date = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim()) : null;
      if (date === null || !isCalendarDate(date[1]!, date[2]!, date[3]!))
        return fail(ERROR_INVALID_DATE, 'Invalid Date Format - length must be 10 or more');
      return { field: date[0] };
    }
    default:
      return fail(ERROR_NUMERIC_OVERFLOW, `The local Firehose cannot load a ${column.dataType} column`);
  }
}

/**
 * Redshift's default timestamp format is 'YYYY-MM-DD HH:MI:SS' (fractional seconds allowed); TIMEFORMAT 'auto' also
 * takes the ISO 8601 `T` separator and a missing seconds field. Returns the text PostgreSQL reads, or undefined.
 */
function parseTimestamp(value: string, auto: boolean): string | undefined {
  const strict = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;
  const lenient = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/;
  const match = (auto ? lenient : strict).exec(value.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = ''] = match;
  if (!isCalendarDate(year!, month!, day!) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59)
    return undefined;
  return `${year}-${month}-${day} ${hour}:${minute}:${second}${fraction}`;
}

function isCalendarDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character, as TRUNCATECOLUMNS does. */
function truncateToBytes(text: string, bytes: number): string {
  let length = 0;
  let result = '';
  for (const character of text) {
    length += Buffer.byteLength(character, 'utf8');
    if (length > bytes) break;
    result += character;
  }
  return result;
}

function redshiftTypeName(column: TargetColumn): string {
  const names: Record<string, string> = {
    'character varying': 'varchar',
    character: 'char',
    smallint: 'int2',
    integer: 'int4',
    bigint: 'int8',
    numeric: 'numeric',
    boolean: 'bool',
    'timestamp without time zone': 'timestamp',
    'timestamp with time zone': 'timestamptz',
  };
  return names[column.dataType] ?? column.dataType;
}

function rowError(
  column: TargetColumn | undefined,
  rawFieldValue: string,
  errCode: number,
  errReason: string,
): RowError {
  return {
    colname: column?.name ?? '',
    type: column ? redshiftTypeName(column) : '',
    colLength: column?.maxLength?.toString() ?? column?.numericPrecision?.toString() ?? '0',
    rawFieldValue,
    errCode,
    errReason,
  };
}

/** One row in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash escapes. */
export function copyTextLine(fields: readonly (string | null)[]): string {
  return `${fields.map((field) => (field === null ? '\\N' : field.replace(/[\\\t\n\r]/g, escapeCopyCharacter))).join('\t')}\n`;
}

function escapeCopyCharacter(character: string): string {
  return { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }[character]!;
}
