import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { ClientBase, Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ConcatenatedJsonScanner } from './concatenated-json';
import {
  compileRecordConverter,
  CopyTextChunker,
  invalidUtf8Error,
  parseJsonpaths,
  readTargetColumns,
  RowError,
  type FieldLocator,
  type RecordConverter,
  type TargetColumn,
} from './copy-rows';
import { parseCopyStatement, UnsupportedCopyError, type CopyStatement } from './copy-statement';

const gunzipAsync = promisify(gunzip);

/** Where the COPY reads its objects, manifests and jsonpaths file: the platform's S3 (s3rver). */
export interface S3ObjectSource {
  getObject(bucket: string, key: string): Promise<Buffer>;
  /** Every key that starts with the prefix: COPY FROM a prefix needs it (a MANIFEST does not). */
  listObjectKeys?(bucket: string, prefix: string): Promise<string[]>;
}

/** The objects of an S3 client (path-style, as createS3Client makes it for s3rver). */
export function s3ObjectSource(s3: S3Client): Required<S3ObjectSource> {
  return {
    getObject: async (bucket, key) => {
      const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await output.Body!.transformToByteArray());
    },
    listObjectKeys: async (bucket, prefix) => {
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix }))
        for (const object of page.Contents ?? []) keys.push(object.Key!);
      return keys.sort();
    },
  };
}

/** A COPY that failed as Redshift fails it (too many row errors, a missing file): nothing of it is loaded. */
export class CopyFailedError extends Error {
  override readonly name = 'CopyFailedError';
}

export interface CopyOutcome {
  /** Rows the COPY loaded (PG_LAST_COPY_COUNT on Redshift). */
  rowsLoaded: number;
  /** Rows it rejected within MAXERROR, recorded in stl_load_errors. */
  rowsRejected: number;
}

interface RowStreamState {
  rows: number;
  stoppedBy: Error | undefined;
}

interface CopyFile {
  url: string;
  bucket: string;
  key: string;
  mandatory: boolean;
}

interface RowStreamJob {
  statement: CopyStatement;
  files: readonly CopyFile[];
  converter: RecordConverter;
  columns: readonly TargetColumn[];
  errors: LoadError[];
  failAt: number;
  state: RowStreamState;
}

/** Thrown by the row stream at MAXERROR: PostgreSQL's COPY is told to fail, which rolls it back. */
class MaxErrorReached extends Error {}

interface LoadError {
  error: RowError;
  filename: string;
  lineNumber: number;
  rawLine: string;
}

/**
 * Redshift's STL_LOAD_ERRORS, where the local warehouse keeps the rows a COPY rejected: the columns of AWS's page
 * "STL_LOAD_ERRORS" (userid, slice, tbl, starttime, session, query, filename, line_number, colname, type, col_length,
 * position, raw_line, raw_field_value, err_code, err_reason, is_partial, start_offset). Written on its own connection,
 * outside the COPY's transaction: "If the COPY fails because of invalid load data, the COPY ID is updated, so you can
 * use PG_LAST_COPY_ID when you query STL_LOAD_ERRORS table" (PG_LAST_COPY_ID): a failed COPY's errors stay. Every
 * user reads it, seeing its own COPYs' rows: STL tables are "visible to all users. Superusers can see all rows;
 * regular users can see only their own data" (STL_LOAD_ERRORS).
 */
const LOAD_ERRORS_DDL = `
CREATE TABLE IF NOT EXISTS public.stl_load_errors (
  userid integer, slice integer, tbl integer, starttime timestamp, session integer, query bigint,
  filename varchar(256), line_number bigint, colname varchar(127), type varchar(10), col_length varchar(10),
  position integer, raw_line varchar(1024), raw_field_value varchar(1024), err_code integer, err_reason varchar(100),
  is_partial integer, start_offset bigint
);
CREATE SEQUENCE IF NOT EXISTS public.stl_load_errors_query;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE schemaname = 'public' AND tablename = 'stl_load_errors') THEN
    ALTER TABLE public.stl_load_errors ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_loads ON public.stl_load_errors FOR SELECT
      USING (userid = (SELECT oid FROM pg_roles WHERE rolname = current_user)::integer);
    GRANT SELECT ON public.stl_load_errors TO PUBLIC;
  END IF;
END $$;`;

/**
 * The one COPY of the local platform: runs a Redshift `COPY <table> [(columns)] FROM 's3://...'` statement's text
 * against the local warehouse as Redshift would, reading the local S3. The local Data API runs every COPY statement
 * it is sent through it, and the local Firehose hands it the COPY text AWS Firehose builds from its CopyCommand.
 * Rows go in with PostgreSQL's `COPY ... FROM STDIN`, one per statement: "The COPY command is atomic and
 * transactional ... If the COPY command fails, the entire transaction is canceled and all changes are rolled back"
 * (Errors when reading multiple files); inside a caller's transaction (BatchExecuteStatement) it is part of it.
 */
export class CopyFromS3 {
  private readonly prepared = new WeakMap<Pool, Promise<void>>();

  constructor(private readonly objects: S3ObjectSource) {}

  /**
   * Runs the COPY on `client`; rejected rows go to stl_load_errors through `errorLog`, a pool of the same database.
   * Throws UnsupportedCopyError, InvalidCopyError or CopyFailedError with Redshift's message, or a connection error.
   */
  async execute(client: ClientBase, sql: string, errorLog: Pool): Promise<CopyOutcome> {
    const statement = await parseCopyStatement(sql);
    await this.prepare(errorLog);
    const table = quotedTable(statement);
    const tableName = statement.table.name;
    const columns = await readTargetColumns(
      client,
      table,
      statement.columns,
      (message) => new CopyFailedError(message),
    );
    const locator = await this.fieldLocator(statement, columns.length);
    let converter: RecordConverter;
    try {
      converter = compileRecordConverter(columns, locator, statement.options);
    } catch (error) {
      throw new UnsupportedCopyError((error as Error).message);
    }
    const files = await this.files(statement);
    const session = (
      await client.query<{ session: number; userid: number; tbl: number }>(
        `SELECT pg_backend_pid() AS session, (SELECT oid FROM pg_roles WHERE rolname = current_user)::integer AS userid,
                to_regclass($1)::oid::integer AS tbl`,
        [table],
      )
    ).rows[0]!;
    const startTime = new Date();
    // "If the load returns the error_count number of errors or greater, the load fails ... Set this value to 0 or 1
    // if you want the load to fail as soon as the first error occurs" (Data load operations, MAXERROR).
    const failAt = Math.max(statement.options.maxError, 1);
    const errors: LoadError[] = [];
    // stoppedBy: why the row stream stopped the COPY (PostgreSQL then reports only the COPY it was told to fail).
    const state: RowStreamState = { rows: 0, stoppedBy: undefined };
    const record = () => this.recordLoadErrors(errorLog, errors, { ...session, startTime });
    const columnList = columns.map((column) => quoteIdentifier(column.name)).join(', ');
    try {
      await pipeline(
        Readable.from(this.copyText({ statement, files, converter, columns, errors, failAt, state })),
        client.query(copyFrom(`COPY ${table} (${columnList}) FROM STDIN`)),
      );
    } catch (pipelineError) {
      const error = state.stoppedBy ?? pipelineError;
      if (error instanceof MaxErrorReached) {
        await record();
        throw new CopyFailedError(loadFailedMessage(tableName, errors[0]!));
      }
      // A cancelled COPY (CancelStatement: query_canceled) is no load error.
      if (isDatabaseError(error) && (error as { code: string }).code !== '57014') {
        // PostgreSQL refused a row Redshift's checks above let through: still the whole COPY, still recorded.
        const reason = String((error as Error).message);
        errors.push({
          error: new RowError('', '', '', '', 1216, reason.slice(0, 100)),
          filename: `s3://${statement.from.bucket}/${statement.from.key}`,
          lineNumber: 0,
          rawLine: '',
        });
        await record();
        throw new CopyFailedError(`Load into table '${tableName}' failed: ${reason}`);
      }
      throw error;
    }
    if (errors.length > 0) await record();
    return { rowsLoaded: state.rows, rowsRejected: errors.length };
  }

  private prepare(errorLog: Pool): Promise<void> {
    let prepared = this.prepared.get(errorLog);
    if (prepared === undefined) {
      prepared = errorLog.query(LOAD_ERRORS_DDL).then(
        () => undefined,
        (error: unknown) => {
          this.prepared.delete(errorLog);
          // Two first COPYs at once: the other one created it.
          if (['23505', '42710'].includes((error as { code?: string }).code ?? '')) return;
          throw error;
        },
      );
      this.prepared.set(errorLog, prepared);
    }
    return prepared;
  }

  /** The COPY text of every file in order, in chunks; row errors are counted into `errors` until `failAt`. */
  private async *copyText(job: RowStreamJob): AsyncGenerator<string> {
    try {
      yield* this.copyTextOfFiles(job);
    } catch (error) {
      job.state.stoppedBy = error as Error;
      throw error;
    }
  }

  private async *copyTextOfFiles(job: RowStreamJob): AsyncGenerator<string> {
    const { statement, files, converter, columns, errors, failAt, state } = job;
    // The next file is fetched while this one converts.
    let next = files.length > 0 ? this.readFile(statement, files[0]!) : undefined;
    for (let index = 0; index < files.length; index++) {
      const file = await next!;
      next = index + 1 < files.length ? this.readFile(statement, files[index + 1]!) : undefined;
      next?.catch(() => undefined);
      if (file === undefined) continue;
      const { url } = files[index]!;
      const { content, invalidUtf8 } = file;
      const scanner = new ConcatenatedJsonScanner(content);
      const chunker = new CopyTextChunker();
      while (scanner.next()) {
        const text = scanner.text;
        const line = invalidUtf8 && text.includes('\uFFFD') ? invalidUtf8Error(columns) : converter.line(text);
        if (typeof line === 'string') {
          state.rows++;
          const chunk = chunker.add(line);
          if (chunk !== undefined) yield chunk;
          continue;
        }
        errors.push({ error: line, filename: url, lineNumber: scanner.lineNumber, rawLine: text.slice(0, 1024) });
        if (errors.length >= failAt) throw new MaxErrorReached(`${errors.length} load error(s): MAXERROR reached`);
      }
      const rest = chunker.end();
      if (rest !== undefined) yield rest;
    }
  }

  /** A file's text (gunzipped under GZIP); undefined for a missing file the manifest does not mark mandatory. */
  private async readFile(
    statement: CopyStatement,
    file: CopyFile,
  ): Promise<{ content: string; invalidUtf8: boolean } | undefined> {
    let body: Buffer;
    try {
      body = await this.objects.getObject(file.bucket, file.key);
    } catch (error) {
      // "The optional mandatory flag specifies whether COPY should return an error if the file is not found. The
      // default of mandatory is false" (Using a manifest to specify data files).
      if (!file.mandatory && (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw new CopyFailedError(`COPY cannot read ${file.url}: ${(error as Error).message}`);
    }
    if (statement.options.gzip) {
      try {
        // "GZIP: A value that specifies that the input file or files are in compressed gzip format (.gz files). The
        // COPY operation reads each compressed file and uncompresses the data as it loads" (File compression
        // parameters).
        body = await gunzipAsync(body);
      } catch (error) {
        // A file that does not inflate fails the whole COPY, whatever MAXERROR says: no page documents it, but
        // Redshift's own report for LZOP under MAXERROR 1 is a statement error, "failed to inflate with lzop:
        // unexpected end of file ... code: 9001 context: S3 key being read : s3://..." (snowplow/snowplow#1265).
        throw new CopyFailedError(
          `failed to inflate with gzip: ${(error as Error).message}. S3 key being read: ${file.url} (the COPY says GZIP).`,
        );
      }
    }
    const content = body.toString('utf8');
    // Bytes that are not UTF-8 decode as U+FFFD: "1220 String contains invalid or unsupported UTF-8 code points"
    // (Load error reference) for the records that hold one.
    return { content, invalidUtf8: content.includes('\uFFFD') && !isUtf8(body) };
  }

  /** The files a COPY reads: the manifest's entries, or every object whose key starts with the prefix. */
  private async files(statement: CopyStatement): Promise<CopyFile[]> {
    const { bucket, key } = statement.from;
    const source = `s3://${bucket}/${key}`;
    if (statement.manifest) {
      let document: unknown;
      try {
        document = JSON.parse((await this.objects.getObject(bucket, key)).toString('utf8'));
      } catch (error) {
        throw new CopyFailedError(`COPY cannot read the manifest ${source}: ${(error as Error).message}`);
      }
      const entries = (document as { entries?: unknown } | null)?.entries;
      if (!Array.isArray(entries))
        throw new CopyFailedError(`${source} is not a manifest: it needs {"entries": [{"url": "s3://..."}]}.`);
      const files = entries.map((entry: { url?: unknown; mandatory?: unknown }) => {
        // "The URL in the manifest must specify the bucket name and full object path for the file, not just a
        // prefix" (Using a manifest to specify data files).
        const url = typeof entry?.url === 'string' ? entry.url : '';
        const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
        if (s3 === null)
          throw new CopyFailedError(`${source} lists ${JSON.stringify(entry?.url)}, which is no s3:// URL.`);
        return { url, bucket: s3[1]!, key: s3[2]!, mandatory: entry.mandatory === true };
      });
      // "Regardless of any mandatory settings, COPY will terminate if no files are found" (same page).
      if (files.length === 0) throw new CopyFailedError(`The manifest ${source} lists no files.`);
      return files;
    }
    if (this.objects.listObjectKeys === undefined)
      throw new UnsupportedCopyError(
        `COPY FROM '${source}' without MANIFEST needs an S3 client that can list objects.`,
      );
    // "The s3://copy_from_s3_objectpath parameter can reference a single file or a set of objects or folders that have
    // the same key prefix ... If a key prefix references multiple folders, all of the files in the folders are
    // loaded" (COPY from Amazon S3).
    const keys = await this.objects.listObjectKeys(bucket, key);
    // A prefix that matches nothing fails the COPY; the wording is Redshift's S3ServiceException as it is commonly
    // reported (no AWS page quotes it).
    if (keys.length === 0) throw new CopyFailedError(`The specified S3 prefix '${key}' does not exist`);
    return keys.map((objectKey) => ({
      url: `s3://${bucket}/${objectKey}`,
      bucket,
      key: objectKey,
      mandatory: true,
    }));
  }

  private async fieldLocator(statement: CopyStatement, columnCount: number): Promise<FieldLocator> {
    const { json } = statement.options;
    if (json.kind === 'auto') return json;
    const where = `the jsonpaths file s3://${json.bucket}/${json.key}`;
    let document: Buffer;
    try {
      document = await this.objects.getObject(json.bucket, json.key);
    } catch (error) {
      throw new CopyFailedError(`${where} cannot be read (${(error as Error).message}).`);
    }
    try {
      return parseJsonpaths(document.toString('utf8'), columnCount, where);
    } catch (error) {
      throw new CopyFailedError((error as Error).message);
    }
  }

  private async recordLoadErrors(
    errorLog: Pool,
    errors: readonly LoadError[],
    session: { session: number; userid: number; tbl: number; startTime: Date },
  ): Promise<void> {
    const query = (await errorLog.query<{ query: string }>("SELECT nextval('public.stl_load_errors_query') AS query"))
      .rows[0]!.query;
    // In batches: MAXERROR goes up to 100,000.
    for (let start = 0; start < errors.length; start += 1_000) {
      const values: unknown[] = [session.userid, session.tbl, session.startTime, session.session, query];
      const rows = errors.slice(start, start + 1_000).map(({ error, filename, lineNumber, rawLine }) => {
        const base = values.length;
        values.push(
          filename.slice(0, 256),
          lineNumber,
          error.colname.slice(0, 127),
          error.type.slice(0, 10),
          error.colLength.slice(0, 10),
          rawLine.slice(0, 1024),
          error.rawFieldValue.slice(0, 1024),
          error.errCode,
          error.errReason.slice(0, 100),
        );
        const at = (offset: number) => `$${base + offset}`;
        return `(${at(1)}, ${at(2)}::bigint, ${at(3)}, ${at(4)}, ${at(5)}, ${at(6)}, ${at(7)}, ${at(8)}::integer, ${at(9)})`;
      });
      await errorLog.query(
        `INSERT INTO public.stl_load_errors
           (userid, slice, tbl, starttime, session, query, filename, line_number, colname, type, col_length, position,
            raw_line, raw_field_value, err_code, err_reason, is_partial, start_offset)
         SELECT $1::integer, 0, $2::integer, $3::timestamp, $4::integer, $5::bigint, v.filename, v.line_number,
                v.colname, v.type, v.col_length, 0, v.raw_line, v.raw_field_value, v.err_code, v.err_reason, 0, 0
           FROM (VALUES ${rows.join(', ')})
             AS v (filename, line_number, colname, type, col_length, raw_line, raw_field_value, err_code, err_reason)`,
        values,
      );
    }
  }
}

/** Redshift's message for a failed load, and where its first rejected row is. */
function loadFailedMessage(table: string, first: LoadError): string {
  // As in r_COPY_command_examples: "ERROR: Load into table 'norway_water' failed. Check 'stl_load_errors' system
  // table for details."
  return (
    `Load into table '${table}' failed. Check 'stl_load_errors' system table for details. ` +
    `(First error: ${first.filename} line ${first.lineNumber}${first.error.colname ? `, column ${first.error.colname}` : ''}: ${first.error.errReason}.)`
  );
}

function quotedTable(statement: CopyStatement): string {
  const { schema, name } = statement.table;
  return schema === undefined ? quoteIdentifier(name) : `${quoteIdentifier(schema)}.${quoteIdentifier(name)}`;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

// pg's DatabaseError carries PostgreSQL's SQLSTATE; connection failures do not.
function isDatabaseError(error: unknown): boolean {
  return (
    typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code)
  );
}
