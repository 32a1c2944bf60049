import type { ClientBase } from 'pg';
import type { CopyOptions } from './copy-statement';

/** A column of the COPY's target table, as PostgreSQL's information_schema describes it. */
export interface TargetColumn {
  name: string;
  /** information_schema.columns.data_type, e.g. character varying, integer, numeric, boolean, timestamp without time zone. */
  dataType: string;
  /** VARCHAR(n)/CHAR(n): n, which Redshift counts in bytes. */
  maxLength: number | null;
  numericPrecision: number | null;
  numericScale: number | null;
  /** NOT NULL: a missing field is a row error (1213), not a NULL. */
  notNull?: boolean;
}

/**
 * The target table's columns as COPY fills them: those named (the COPY's column list) in that order, or every column
 * in table order when none is named. `table` is a name PostgreSQL resolves on the search path (to_regclass), as
 * Redshift resolves an unqualified name. Errors are phrased as Redshift phrases them; `fail` makes the caller's own
 * error type of them.
 */
export async function readTargetColumns(
  client: ClientBase,
  table: string,
  columnNames: readonly string[],
  fail: (message: string) => Error = (message) => new Error(message),
): Promise<TargetColumn[]> {
  const { rows } = await client.query<{
    column_name: string;
    data_type: string;
    character_maximum_length: number | null;
    numeric_precision: number | null;
    numeric_scale: number | null;
    is_nullable: 'YES' | 'NO';
  }>(
    `SELECT c.column_name, c.data_type, c.character_maximum_length, c.numeric_precision, c.numeric_scale, c.is_nullable
       FROM information_schema.columns c
       JOIN pg_class t ON t.relname = c.table_name
       JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = c.table_schema
      WHERE t.oid = to_regclass($1)
      ORDER BY c.ordinal_position`,
    [table],
  );
  if (rows.length === 0) throw fail(`relation "${table}" does not exist: has the warehouse schema been applied?`);
  const byName = new Map(rows.map((row) => [row.column_name, row]));
  const names = columnNames.length > 0 ? columnNames : rows.map((row) => row.column_name);
  return names.map((column) => {
    const row = byName.get(column);
    if (row === undefined) throw fail(`column "${column}" of relation "${table}" does not exist`);
    return {
      name: column,
      dataType: row.data_type,
      maxLength: row.character_maximum_length,
      numericPrecision: row.numeric_precision,
      numericScale: row.numeric_scale,
      notNull: row.is_nullable === 'NO',
    };
  });
}

/** One row Redshift would reject, with the stl_load_errors columns that matter. */
export class RowError {
  constructor(
    readonly colname: string,
    /** stl_load_errors.type: the column's type as Redshift names it. */
    readonly type: string,
    readonly colLength: string,
    readonly rawFieldValue: string,
    readonly errCode: number,
    readonly errReason: string,
  ) {}
}

/** How a record's fields are found: one jsonpath per column (jsonpaths file) or the column names as keys ('auto'). */
export type FieldLocator =
  { kind: 'jsonpaths'; paths: readonly (readonly (string | number)[])[] } | { kind: 'auto'; ignoreCase: boolean };

// Redshift's load error codes (STL_LOAD_ERRORS err_code, "Load error reference" in its developer guide).
const ERROR_NOT_NULL = 1213;
const ERROR_STRING_TOO_LONG = 1204;
const ERROR_INVALID_DATE = 1205;
const ERROR_INVALID_TIMESTAMP = 1206;
const ERROR_INVALID_DIGIT = 1207;
const ERROR_INVALID_BOOLEAN = 1210;
const ERROR_NUMERIC_OVERFLOW = 1216;
const ERROR_INVALID_UTF8 = 1220;
const ERROR_INVALID_JSON = 1224;

const INTEGER_RANGES: Record<string, [number, number]> = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  bigint: [-9223372036854775808, 9223372036854775807],
};
const BIGINT_RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/**
 * Parses a jsonpaths file as Redshift does: `{"jsonpaths": ["$.a", "$['b']", "$.c[0]"]}`, one path per column of
 * the COPY's column list, in order: "Each JSONPath expression corresponds to one column in the Amazon Redshift target
 * table. The order of the JSONPath array elements must match the order of the columns in the target table or the
 * column list, if a column list is used" (Data format parameters). Filters and wildcards are refused, as Redshift
 * refuses them.
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

/** A record's conversion, compiled once per COPY: a getter and a converter per column. */
export interface RecordConverter {
  /** The record as one line of PostgreSQL's COPY text (with its newline), or why Redshift rejects it. */
  line(text: string): string | RowError;
  /** Its fields (null for NULL), as PostgreSQL's COPY reads them for each column's type. */
  fields(text: string): (string | null)[] | RowError;
}

/** The columns' types the local COPY converts; a table with another type is refused before any row is read. */
export const CONVERTIBLE_TYPES = [
  'character varying',
  'character',
  'text',
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'real',
  'double precision',
  'boolean',
  'timestamp without time zone',
  'timestamp with time zone',
  'date',
];

type FieldValue = string | null | RowError;

/**
 * Compiles how each record of a COPY becomes a row, applying what Redshift checks and PostgreSQL would not: VARCHAR
 * lengths in bytes, its timestamp formats (without TIMEFORMAT 'auto', no ISO `T`), its booleans, NOT NULL as a row
 * error. Hot path of every load: one JSON.parse per record, then a getter and a converter per column chosen here.
 */
export function compileRecordConverter(
  columns: readonly TargetColumn[],
  locator: FieldLocator,
  options: CopyOptions,
): RecordConverter {
  const getters = columns.map((column, index) => fieldGetter(column.name, index, locator));
  const converters = columns.map((column) => fieldConverter(column, options));
  const count = columns.length;
  // "With the default 'auto' argument, COPY recognizes only the first level of fields" (Data format parameters): the
  // record must be an object; a jsonpaths file may also address an array's elements ($[0]).
  const acceptsArrays = locator.kind === 'jsonpaths';
  const parseRecord = (text: string): object | RowError => {
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch {
      return rowError(columns[0], '', ERROR_INVALID_JSON, 'Invalid JSON object');
    }
    if (typeof record !== 'object' || record === null || (Array.isArray(record) && !acceptsArrays))
      return rowError(columns[0], '', ERROR_INVALID_JSON, 'Invalid JSONPath format: Member is not an object.');
    return record;
  };
  return {
    line(text) {
      const record = parseRecord(text);
      if (record instanceof RowError) return record;
      let line = '';
      for (let index = 0; index < count; index++) {
        const field = converters[index]!(getters[index]!(record));
        if (index > 0) line += '\t';
        if (field === null) line += '\\N';
        else if (typeof field === 'string') line += COPY_TEXT_SPECIAL.test(field) ? escapeCopyText(field) : field;
        else return field;
      }
      return `${line}\n`;
    },
    fields(text) {
      const record = parseRecord(text);
      if (record instanceof RowError) return record;
      const fields: (string | null)[] = [];
      for (let index = 0; index < count; index++) {
        const field = converters[index]!(getters[index]!(record));
        if (field instanceof RowError) return field;
        fields.push(field);
      }
      return fields;
    },
  };
}

/** The error Redshift records for a record whose text holds bytes that are not UTF-8 (decoded as U+FFFD). */
export function invalidUtf8Error(columns: readonly TargetColumn[]): RowError {
  return rowError(columns[0], '', ERROR_INVALID_UTF8, 'String contains invalid or unsupported UTF8 codepoints.');
}

const compiledForRecordToRow = new WeakMap<
  readonly TargetColumn[],
  WeakMap<FieldLocator, WeakMap<CopyOptions, RecordConverter>>
>();

/** One record's fields, or why Redshift rejects it (compiles the conversion once per columns, locator and options). */
export function recordToRow(
  text: string,
  columns: readonly TargetColumn[],
  locator: FieldLocator,
  options: CopyOptions,
): { fields: (string | null)[] } | { error: RowError } {
  let byLocator = compiledForRecordToRow.get(columns);
  if (byLocator === undefined) compiledForRecordToRow.set(columns, (byLocator = new WeakMap()));
  let byOptions = byLocator.get(locator);
  if (byOptions === undefined) byLocator.set(locator, (byOptions = new WeakMap()));
  let converter = byOptions.get(options);
  if (converter === undefined) byOptions.set(options, (converter = compileRecordConverter(columns, locator, options)));
  const fields = converter.fields(text);
  return fields instanceof RowError ? { error: fields } : { fields };
}

// Keys Object.prototype has: a record's own property only, never an inherited one.
const inherited = (name: string) => name in Object.prototype;

function fieldGetter(column: string, index: number, locator: FieldLocator): (record: object) => unknown {
  // "'auto': With this option, matching is case-sensitive"; "'auto ignorecase': With this option, the matching isn't
  // case-sensitive" (Data format parameters).
  if (locator.kind === 'auto') {
    if (!locator.ignoreCase) {
      if (inherited(column))
        return (record) => (Object.hasOwn(record, column) ? (record as Record<string, unknown>)[column] : undefined);
      return (record) => (record as Record<string, unknown>)[column];
    }
    // Column names are lower case: the exact key first, then any key that lower-cases to it.
    return (record) => {
      if (Object.hasOwn(record, column)) return (record as Record<string, unknown>)[column];
      for (const key of Object.keys(record))
        if (key.toLowerCase() === column) return (record as Record<string, unknown>)[key];
      return undefined;
    };
  }
  const steps = locator.paths[index]!;
  if (steps.length === 1 && typeof steps[0] === 'string' && !inherited(steps[0])) {
    const key = steps[0];
    return (record) => (record as Record<string, unknown>)[key];
  }
  return (record) => {
    let value: unknown = record;
    for (const step of steps) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, step)) return undefined;
      value = (value as Record<string | number, unknown>)[step];
    }
    return value;
  };
}

function fieldConverter(column: TargetColumn, options: CopyOptions): (value: unknown) => FieldValue {
  const convert = valueConverter(column, options);
  if (!column.notNull) return convert;
  return (value) => {
    const field = convert(value);
    return field === null ? rowError(column, '', ERROR_NOT_NULL, 'Missing data for not-null field') : field;
  };
}

function valueConverter(column: TargetColumn, options: CopyOptions): (value: unknown) => FieldValue {
  switch (column.dataType) {
    case 'character varying':
    case 'character':
    case 'text':
      return stringConverter(column, options);
    case 'smallint':
    case 'integer':
    case 'bigint':
      return integerConverter(column);
    case 'numeric':
    case 'real':
    case 'double precision':
      return numberConverter(column);
    case 'boolean':
      // The literal values the Boolean type page lists for each state: TRUE 't' 'true' 'y' 'yes' '1', FALSE 'f'
      // 'false' 'n' 'no' '0'; "a Boolean column stores and outputs "t" for true and "f" for false" (Boolean type).
      return (value) => {
        if (value === undefined || value === null) return null;
        if (typeof value === 'boolean') return value ? 't' : 'f';
        const text = String(value).trim().toLowerCase();
        if (TRUE_WORDS.has(text)) return 't';
        if (FALSE_WORDS.has(text)) return 'f';
        return rowError(column, raw(value), ERROR_INVALID_BOOLEAN, 'Invalid boolean value');
      };
    case 'timestamp without time zone':
    case 'timestamp with time zone': {
      const reason = options.timeFormatAuto
        ? 'Invalid timestamp format or value [auto]'
        : 'Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]';
      return (value) => {
        if (value === undefined || value === null) return null;
        const timestamp = typeof value === 'string' ? parseTimestamp(value, options.timeFormatAuto) : undefined;
        return timestamp ?? rowError(column, raw(value), ERROR_INVALID_TIMESTAMP, reason);
      };
    }
    case 'date':
      return (value) => {
        if (value === undefined || value === null) return null;
        const date = typeof value === 'string' ? DATE.exec(value.trim()) : null;
        if (date === null || !isCalendarDate(Number(date[1]), Number(date[2]), Number(date[3])))
          return rowError(column, raw(value), ERROR_INVALID_DATE, 'Invalid Date Format - length must be 10 or more');
        return date[0];
      };
    default:
      throw new Error(
        `column "${column.name}" is ${column.dataType}: the local COPY loads ${CONVERTIBLE_TYPES.join(', ')}.`,
      );
  }
}

const TRUE_WORDS = new Set(['t', 'true', '1', 'y', 'yes']);
const FALSE_WORDS = new Set(['f', 'false', '0', 'n', 'no']);
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * "CHAR and VARCHAR data types are defined in terms of bytes, not characters" (Character types). EMPTYASNULL:
 * "load empty CHAR and VARCHAR fields as NULL"; BLANKSASNULL: "Loads blank fields, which consist of only white space
 * characters, as NULL. This option applies only to CHAR and VARCHAR columns"; TRUNCATECOLUMNS: "Truncates data in
 * columns to the appropriate number of characters so that it fits the column specification" (Data conversion
 * parameters).
 */
function stringConverter(column: TargetColumn, options: CopyOptions): (value: unknown) => FieldValue {
  const { maxLength } = column;
  const { emptyAsNull, blanksAsNull, truncateColumns } = options;
  return (value) => {
    if (value === undefined || value === null) return null;
    let field: string;
    if (typeof value === 'string') {
      if (emptyAsNull && value === '') return null;
      if (blanksAsNull && value.trim() === '') return null;
      field = value;
    } else field = JSON.stringify(value);
    // A UTF-16 unit is at most 3 UTF-8 bytes: most values need no byte count.
    if (maxLength !== null && field.length * 3 > maxLength && Buffer.byteLength(field, 'utf8') > maxLength) {
      if (!truncateColumns) return rowError(column, field, ERROR_STRING_TOO_LONG, 'String length exceeds DDL length');
      field = truncateToBytes(field, maxLength);
    }
    return field;
  };
}

function integerConverter(column: TargetColumn): (value: unknown) => FieldValue {
  const [min, max] = INTEGER_RANGES[column.dataType]!;
  const [bigMin, bigMax] = BIGINT_RANGES[column.dataType]!;
  const type = redshiftTypeName(column);
  return (value) => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isSafeInteger(value))
      return value >= min && value <= max
        ? String(value)
        : rowError(column, raw(value), ERROR_NUMERIC_OVERFLOW, `Overflow for ${type}`);
    const digits = typeof value === 'number' || typeof value === 'string' ? String(value).trim() : '';
    const invalid = /[^0-9+-]/.exec(digits);
    if (typeof value === 'boolean' || digits === '' || invalid !== null || !/^[+-]?\d+$/.test(digits))
      return rowError(
        column,
        raw(value),
        ERROR_INVALID_DIGIT,
        `Invalid digit, Value '${invalid?.[0] ?? digits.slice(0, 1)}', Pos ${invalid ? invalid.index : 0}, Type: ${type}`,
      );
    const number = BigInt(digits);
    if (number < bigMin || number > bigMax)
      return rowError(column, raw(value), ERROR_NUMERIC_OVERFLOW, `Overflow for ${type}`);
    return number.toString();
  };
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function numberConverter(column: TargetColumn): (value: unknown) => FieldValue {
  const type = redshiftTypeName(column);
  // NUMERIC(p, s) holds values below 10^(p - s) in magnitude.
  const limit =
    column.dataType === 'numeric' && column.numericPrecision !== null && column.numericScale !== null
      ? 10 ** (column.numericPrecision - column.numericScale)
      : Infinity;
  return (value) => {
    if (value === undefined || value === null) return null;
    let text: string;
    let magnitude: number;
    if (typeof value === 'number') {
      text = String(value);
      magnitude = Math.abs(value);
    } else {
      text = typeof value === 'string' ? value.trim() : '';
      if (!DECIMAL.test(text))
        return rowError(
          column,
          raw(value),
          ERROR_INVALID_DIGIT,
          `Invalid digit, Value '${text.slice(0, 1)}', Pos 0, Type: ${type}`,
        );
      magnitude = Math.abs(Number(text));
    }
    if (Math.trunc(magnitude) >= limit)
      return rowError(column, raw(value), ERROR_NUMERIC_OVERFLOW, 'Numeric data overflow (result precision)');
    return text;
  };
}

// Redshift's default timestamp format is 'YYYY-MM-DD HH:MI:SS' (fractional seconds allowed); TIMEFORMAT 'auto' also
// takes the ISO 8601 `T` separator and a missing seconds field ("Using automatic recognition with DATEFORMAT and
// TIMEFORMAT").
const STRICT_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?$/;
const AUTO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?$/;

/** The text PostgreSQL reads for a Redshift timestamp, or undefined when Redshift rejects it. */
function parseTimestamp(value: string, auto: boolean): string | undefined {
  const match = (auto ? AUTO_TIMESTAMP : STRICT_TIMESTAMP).exec(value.trim());
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second = '00', fraction = ''] = match;
  if (
    !isCalendarDate(Number(year), Number(month), Number(day)) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  )
    return undefined;
  return `${year}-${month}-${day} ${hour}:${minute}:${second}${fraction}`;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
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

function raw(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
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
  return new RowError(
    column?.name ?? '',
    column ? redshiftTypeName(column) : '',
    column?.maxLength?.toString() ?? column?.numericPrecision?.toString() ?? '0',
    rawFieldValue,
    errCode,
    errReason,
  );
}

const COPY_TEXT_SPECIAL = /[\\\t\n\r]/;

/** A field in PostgreSQL's COPY text format: backslash, tab, newline and carriage return escaped. */
function escapeCopyText(field: string): string {
  return field.replace(/[\\\t\n\r]/g, escapeCopyCharacter);
}

// COPY text goes to PostgreSQL in chunks of about this many characters, one CopyData message each: a message per row
// costs node more than PostgreSQL spends on the rows (packages/bench/src/warehouse-copy-throughput.ts).
const COPY_CHUNK_CHARACTERS = 256 * 1024;

/** Joins COPY text lines into the chunks sent to PostgreSQL: add() gives a chunk once one is full, end() the rest. */
export class CopyTextChunker {
  private chunk = '';

  add(line: string): string | undefined {
    this.chunk += line;
    if (this.chunk.length < COPY_CHUNK_CHARACTERS) return undefined;
    const full = this.chunk;
    this.chunk = '';
    return full;
  }

  end(): string | undefined {
    const rest = this.chunk;
    this.chunk = '';
    return rest === '' ? undefined : rest;
  }
}

/** One row in PostgreSQL's COPY text format: tab-separated, `\N` for NULL, backslash escapes. */
export function copyTextLine(fields: readonly (string | null)[]): string {
  return `${fields.map((field) => (field === null ? '\\N' : escapeCopyText(field))).join('\t')}\n`;
}

function escapeCopyCharacter(character: string): string {
  return { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' }[character]!;
}
