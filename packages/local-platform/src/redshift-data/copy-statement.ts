import { init, parse } from '@guanmingchiu/sqlparser-ts';

/**
 * A Redshift `COPY ... FROM 's3://...'` as the local COPY runs it, read from the statement's text by a kept parser
 * (datafusion's sqlparser, its redshift dialect). Redshift's COPY reference: "COPY from Amazon S3"
 * (copy-parameters-data-source-s3), "Data format parameters", "File compression parameters", "Data conversion
 * parameters", "Data load operations" and "Authorization parameters" in the Amazon Redshift Database Developer Guide.
 */
export interface CopyStatement {
  table: CopyTable;
  /** The column list, as Redshift stores the names; empty: every column of the table, in table order. */
  columns: readonly string[];
  /** `FROM 's3://bucket/key'`: an object key prefix, or the manifest's key with MANIFEST. */
  from: { bucket: string; key: string };
  manifest: boolean;
  options: CopyOptions;
}

export interface CopyTable {
  schema: string | undefined;
  name: string;
}

export interface CopyOptions {
  /** JSON 'auto' (case-sensitive keys), 'auto ignorecase', or a jsonpaths file in S3. */
  json: { kind: 'auto'; ignoreCase: boolean } | { kind: 'jsonpaths'; bucket: string; key: string };
  gzip: boolean;
  /** TIMEFORMAT 'auto'; without it Redshift takes 'YYYY-MM-DD HH:MI:SS' only (no ISO T). */
  timeFormatAuto: boolean;
  /** MAXERROR as written (0 when absent): the load fails once it counts this many row errors, or one when 0. */
  maxError: number;
  truncateColumns: boolean;
  emptyAsNull: boolean;
  blanksAsNull: boolean;
}

/** A COPY the local COPY refuses: Redshift would run it, but not as this emulator can; the message names what. */
export class UnsupportedCopyError extends Error {
  override readonly name = 'UnsupportedCopyError';
}

/** A COPY Redshift itself would refuse (syntax, conflicting or missing parameters). */
export class InvalidCopyError extends Error {
  override readonly name = 'InvalidCopyError';
}

// "COPY [table-name] [column-list] FROM data_source authorization [[FORMAT] [AS] data_format] [parameter [argument]
// [, ...]]" (r_COPY): a statement is a COPY when its first word is COPY.
const COPY_STATEMENT = /^\s*(?:(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)\s*)*copy\b/i;

/** Whether the statement (comments and blanks aside) starts with COPY. */
export function isCopyStatement(sql: string): boolean {
  return COPY_STATEMENT.test(sql);
}

/**
 * Every COPY parameter Redshift documents ("COPY parameter reference", alphabetical list), to tell a parameter the
 * local COPY does not run from a syntax error.
 */
const REDSHIFT_COPY_PARAMETERS = new Set(
  (
    'ACCEPTANYDATE ACCEPTINVCHARS ACCESS_KEY_ID AVRO BLANKSASNULL BZIP2 COMPROWS COMPUPDATE CREDENTIALS CSV DATEFORMAT ' +
    'DELIMITER EMPTYASNULL ENCODING ENCRYPTED ESCAPE EXPLICIT_IDS FILLRECORD FIXEDWIDTH FORMAT GZIP IAM_ROLE ' +
    'IGNOREALLERRORS IGNOREBLANKLINES IGNOREHEADER JSON LZOP MANIFEST MASTER_SYMMETRIC_KEY MAXERROR NOLOAD NULL ORC ' +
    'PARQUET READRATIO REGION REMOVEQUOTES ROUNDEC SECRET_ACCESS_KEY SERIALIZETOJSON SESSION_TOKEN SHAPEFILE SSH ' +
    'STATUPDATE TIMEFORMAT TRIMBLANKS TRUNCATECOLUMNS ZSTD'
  ).split(' '),
);

/**
 * Parameters the redshift dialect does not know (sqlparser 0.62), read here at the place the parser stops: each is a
 * keyword and one argument. "MAXERROR [AS] error_count" (Data load operations); "ACCESS_KEY_ID 'access-key-id'
 * SECRET_ACCESS_KEY 'secret-access-key'", "SESSION_TOKEN 'temporary-token'" and "[WITH] CREDENTIALS [AS]
 * 'credentials-args'" (Authorization parameters; the dialect takes CREDENTIALS only without AS).
 */
const PARAMETERS_BEYOND_THE_DIALECT: Readonly<Record<string, RegExp>> = {
  MAXERROR: /MAXERROR(?:\s+AS)?\s+(\d+)/iy,
  ACCESS_KEY_ID: /ACCESS_KEY_ID\s+'((?:[^']|'')*)'/iy,
  SECRET_ACCESS_KEY: /SECRET_ACCESS_KEY\s+'((?:[^']|'')*)'/iy,
  SESSION_TOKEN: /SESSION_TOKEN\s+'((?:[^']|'')*)'/iy,
  CREDENTIALS: /CREDENTIALS\s+(?:AS\s+)?'((?:[^']|'')*)'/iy,
  WITH: /WITH\s+CREDENTIALS\s+(?:AS\s+)?'((?:[^']|'')*)'/iy,
};

/** The dialect's names of the parameters it reads, as Redshift spells them (for refusals). */
const REDSHIFT_NAME_OF: Readonly<Record<string, string>> = {
  BlankAsNull: 'BLANKSASNULL',
  IamRole: 'IAM_ROLE',
  Null: 'NULL AS',
  Parquet: 'FORMAT PARQUET',
  Csv: 'CSV',
};

let parserReady: Promise<void> | undefined;

/** Parses one COPY statement; throws UnsupportedCopyError or InvalidCopyError naming what is wrong. */
export async function parseCopyStatement(sql: string): Promise<CopyStatement> {
  parserReady ??= init();
  await parserReady;
  const beyond: Record<string, string> = {};
  let text = sql;
  let statements: unknown[] | undefined;
  // Each round reads one parameter the dialect stops at, blanks it out (keeping every position) and parses again.
  for (let round = 0; statements === undefined; round++) {
    try {
      statements = parse(text, 'redshift') as unknown[];
    } catch (error) {
      const message = (error as Error).message;
      const stop = /found: ([^\s]+) at Line: (\d+), Column: (\d+)/.exec(message);
      const word = stop?.[1]?.toUpperCase() ?? '';
      const pattern = PARAMETERS_BEYOND_THE_DIALECT[word];
      const offset = stop ? offsetOf(text, Number(stop[2]), Number(stop[3])) : -1;
      let match: RegExpExecArray | null = null;
      if (pattern !== undefined && offset >= 0 && round < 50) {
        pattern.lastIndex = offset;
        match = pattern.exec(text);
      }
      if (match === null) {
        if (REDSHIFT_COPY_PARAMETERS.has(word)) throw unsupported(word);
        throw new InvalidCopyError(`syntax error in COPY: ${message.replace(/^sql parser error: /, '')}`);
      }
      const name = word === 'WITH' ? 'CREDENTIALS' : word;
      if (beyond[name] !== undefined) throw new InvalidCopyError(`COPY gives ${name} twice.`);
      beyond[name] = match[1]!.replaceAll("''", "'");
      text = text.slice(0, offset) + match[0].replace(/[^\n]/g, ' ') + text.slice(offset + match[0].length);
    }
  }
  if (statements.length !== 1 || !isObject(statements[0]) || !isObject(statements[0].Copy))
    throw new InvalidCopyError('expected exactly one COPY statement.');
  return readCopy(statements[0].Copy, beyond);
}

type Json = Record<string, unknown>;

function readCopy(copy: Json, beyond: Readonly<Record<string, string>>): CopyStatement {
  if (copy.to === true) throw new InvalidCopyError('Redshift has no COPY ... TO: use UNLOAD.');
  const source = copy.source as Json;
  if (!isObject(source.Table))
    throw new UnsupportedCopyError('COPY (query): the local COPY loads a table, COPY FROM copies into one.');
  const tableName = (source.Table.table_name as unknown[]).map(identifier);
  if (tableName.length > 2)
    throw new UnsupportedCopyError(`COPY ${tableName.join('.')}: the local COPY takes [schema.]table.`);
  const table =
    tableName.length === 2 ? { schema: tableName[0], name: tableName[1]! } : { schema: undefined, name: tableName[0]! };
  const columns = (source.Table.columns as unknown[]).map(identifier);
  const target = copy.target;
  const path = isObject(target) && isObject(target.File) ? String(target.File.filename) : undefined;
  // "FROM { 's3://objectpath' | 's3://manifest_file' }" (COPY from Amazon S3): DynamoDB, EMR and SSH sources aside.
  const s3 = path === undefined ? null : /^s3:\/\/([^/]+)\/(.*)$/.exec(path);
  if (s3 === null)
    throw new UnsupportedCopyError(
      `COPY FROM ${path === undefined ? 'STDIN' : `'${path}'`}: the local COPY reads Amazon S3 (FROM 's3://bucket/prefix' or a MANIFEST).`,
    );
  if (Array.isArray(copy.options) && copy.options.length > 0)
    throw new UnsupportedCopyError('COPY ... WITH (...): PostgreSQL options are not Redshift COPY parameters.');

  const options: CopyOptions = {
    json: { kind: 'auto', ignoreCase: false },
    gzip: false,
    timeFormatAuto: false,
    maxError: 0,
    truncateColumns: false,
    emptyAsNull: false,
    blanksAsNull: false,
  };
  let manifest = false;
  let json = false;
  const authorization: string[] = [];
  for (const option of (copy.legacy_options ?? []) as unknown[]) {
    const [key, value] = typeof option === 'string' ? [option, undefined] : (Object.entries(option as Json)[0] ?? ['']);
    switch (key) {
      case 'IamRole':
        authorization.push('IAM_ROLE');
        break;
      case 'Credentials':
        authorization.push('CREDENTIALS');
        break;
      case 'Manifest':
        manifest = true;
        break;
      case 'Json':
        json = true;
        // "The default is 'auto'" (Data format parameters, JSON): JSON alone is JSON 'auto'.
        options.json = jsonOption(value === undefined || value === null ? 'auto' : String(value));
        break;
      case 'Gzip':
        options.gzip = true;
        break;
      case 'TimeFormat':
        options.timeFormatAuto = timeFormatOption(String(value));
        break;
      case 'TruncateColumns':
        options.truncateColumns = true;
        break;
      case 'EmptyAsNull':
        options.emptyAsNull = true;
        break;
      case 'BlankAsNull':
        options.blanksAsNull = true;
        break;
      // "REGION [AS] 'aws-region'" names the buckets' Region: the local S3 has one.
      case 'Region':
      // COMPUPDATE and STATUPDATE choose column encodings and refresh planner statistics: no row loads differently.
      case 'CompUpdate':
      case 'StatUpdate':
        break;
      default:
        throw unsupported(REDSHIFT_NAME_OF[key] ?? key.toUpperCase());
    }
  }
  if (beyond.CREDENTIALS !== undefined) authorization.push('CREDENTIALS');
  if (beyond.ACCESS_KEY_ID !== undefined || beyond.SECRET_ACCESS_KEY !== undefined) {
    if (beyond.ACCESS_KEY_ID === undefined || beyond.SECRET_ACCESS_KEY === undefined)
      throw new InvalidCopyError('ACCESS_KEY_ID and SECRET_ACCESS_KEY go together.');
    authorization.push('ACCESS_KEY_ID');
  } else if (beyond.SESSION_TOKEN !== undefined)
    // "When SESSION_TOKEN is specified, you must also use ACCESS_KEY_ID and SECRET_ACCESS_KEY" (Authorization parameters).
    throw new InvalidCopyError('SESSION_TOKEN needs ACCESS_KEY_ID and SECRET_ACCESS_KEY.');
  // "If you specify IAM_ROLE, you can't use ACCESS_KEY_ID and SECRET_ACCESS_KEY, SESSION_TOKEN, or CREDENTIALS"
  // (Authorization parameters); without any, Redshift cannot read the bucket. Locally the credentials are not checked.
  if (authorization.length !== 1)
    throw new InvalidCopyError(
      authorization.length === 0
        ? 'COPY from Amazon S3 needs authorization: IAM_ROLE, CREDENTIALS, or ACCESS_KEY_ID and SECRET_ACCESS_KEY.'
        : `COPY gives ${authorization.join(' and ')}: use one authorization.`,
    );
  if (beyond.MAXERROR !== undefined) {
    // "The MAXERROR default value is 0 and the limit is 100000" (Data load operations).
    options.maxError = Number(beyond.MAXERROR);
    if (options.maxError > 100_000)
      throw new InvalidCopyError(`MAXERROR ${options.maxError} is over its limit, 100000.`);
  }
  // Without a format Redshift reads pipe-delimited text ("Data format parameters"): the local COPY reads JSON only.
  if (!json)
    throw new UnsupportedCopyError(
      "COPY without JSON: the local COPY loads JSON only (JSON 'auto', 'auto ignorecase' or 's3://jsonpaths_file'); Redshift would read pipe-delimited text.",
    );
  return { table, columns, from: { bucket: s3[1]!, key: s3[2]! }, manifest, options };
}

function jsonOption(value: string): CopyOptions['json'] {
  // "JSON [AS] 'json_option'": 'auto', 'auto ignorecase' or 's3://jsonpaths_file', "an Amazon S3 object key that
  // explicitly references a single file" (Data format parameters).
  if (value === 'auto' || value === 'auto ignorecase') return { kind: 'auto', ignoreCase: value !== 'auto' };
  if (value === 'noshred')
    throw new UnsupportedCopyError(
      "JSON 'noshred' loads a document into one SUPER column: the local COPY reads 'auto', 'auto ignorecase' or a jsonpaths file.",
    );
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(value);
  if (s3 === null)
    throw new InvalidCopyError(`JSON '${value}' is neither 'auto', 'auto ignorecase' nor an s3:// jsonpaths file.`);
  return { kind: 'jsonpaths', bucket: s3[1]!, key: s3[2]! };
}

function timeFormatOption(value: string): boolean {
  // "If no TIMEFORMAT is specified, the default format is YYYY-MM-DD HH:MI:SS"; "The 'auto', 'epochsecs', and
  // 'epochmillisecs' keywords are case-sensitive" (Data conversion parameters).
  if (value === 'auto') return true;
  if (value === 'YYYY-MM-DD HH:MI:SS') return false;
  throw new UnsupportedCopyError(
    `TIMEFORMAT '${value}': the local COPY reads TIMEFORMAT 'auto' and the default 'YYYY-MM-DD HH:MI:SS' only.`,
  );
}

function unsupported(parameter: string): UnsupportedCopyError {
  return new UnsupportedCopyError(
    `COPY parameter ${parameter} is not supported by the local COPY: it reads JSON ('auto', 'auto ignorecase' or a jsonpaths file), GZIP, MANIFEST, TIMEFORMAT 'auto', MAXERROR, TRUNCATECOLUMNS, BLANKSASNULL, EMPTYASNULL, REGION, COMPUPDATE, STATUPDATE and an authorization.`,
  );
}

/**
 * An identifier as Redshift stores it: "ASCII letters in standard and delimited identifiers are case-insensitive and
 * are folded to lowercase in the database" (Names and identifiers; enable_case_sensitive_identifier aside).
 */
function identifier(part: unknown): string {
  const ident = (isObject(part) && isObject(part.Identifier) ? part.Identifier : part) as Json;
  return String(ident.value).replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    offset = text.indexOf('\n', offset) + 1;
    if (offset === 0) return -1;
  }
  // The parser counts columns in characters from 1.
  return offset + column - 1;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
