import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { splitConcatenatedJson } from './concatenated-json';
import {
  copyTextLine,
  parseJsonpaths,
  readTargetColumns,
  recordToRow,
  type FieldLocator,
  type RowError,
} from './redshift-copy-rows';
import type { RedshiftCopyCommand } from './redshift-destination';

const gunzipAsync = promisify(gunzip);

/** Where the COPY reads its manifest, objects and jsonpaths file: s3rver in the platform. */
export interface ObjectReader {
  getObject(bucket: string, key: string): Promise<Buffer>;
}

/** A COPY Redshift would fail: its row errors are in stl_load_errors; Firehose retries it, then gives up on it. */
export class CopyFailedError extends Error {
  override readonly name = 'CopyFailedError';
}

/**
 * Redshift's STL_LOAD_ERRORS, where the local warehouse keeps the rows a COPY rejected (columns as Redshift's, less
 * its slice-level ones). Outside any COPY's transaction, as on Redshift: a failed COPY's errors stay.
 */
const LOAD_ERRORS_DDL = `
CREATE TABLE IF NOT EXISTS public.stl_load_errors (
  userid integer, slice integer, tbl integer, starttime timestamp, session integer, query bigint,
  filename varchar(256), line_number bigint, colname varchar(127), type varchar(10), col_length varchar(10),
  position integer, raw_line varchar(1024), raw_field_value varchar(1024), err_code integer, err_reason varchar(100),
  is_partial integer, start_offset bigint
);
CREATE SEQUENCE IF NOT EXISTS public.stl_load_errors_query;
-- The manifests the local Firehose has loaded, written in each COPY's transaction: a COPY replayed after a crash
-- between its commit and the Firehose's checkpoint finds its manifest here and loads nothing twice.
CREATE TABLE IF NOT EXISTS public.local_firehose_loaded_manifests (
  delivery_stream varchar(64) NOT NULL, manifest varchar(1024) PRIMARY KEY, loaded_at timestamp NOT NULL DEFAULT now()
);`;

interface ManifestEntry {
  url: string;
  mandatory?: boolean;
}

/**
 * Executes a delivery stream's declared `COPY <table> (<columns>) FROM 's3://<manifest>' MANIFEST <CopyOptions>`
 * against the local warehouse as Redshift would: every object of the manifest in one transaction (all or nothing),
 * fields found through the jsonpaths file or 'auto', values checked against the column types as Redshift checks
 * them, rejected rows recorded in stl_load_errors, and at most MAXERROR of them tolerated. Rows go in with
 * PostgreSQL's `COPY ... FROM STDIN`.
 */
export class RedshiftCopyExecutor {
  private prepared: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly copy: RedshiftCopyCommand,
    private readonly objects: ObjectReader,
    private readonly deliveryStream: string,
  ) {}

  /** Loads the manifest; 'already-loaded' when an earlier run committed it. Throws CopyFailedError or a connection error. */
  async copyManifest(manifestBucket: string, manifestKey: string): Promise<'loaded' | 'already-loaded'> {
    this.prepared ??= this.pool.query(LOAD_ERRORS_DDL).then(
      () => undefined,
      (error: unknown) => {
        this.prepared = undefined;
        throw error;
      },
    );
    await this.prepared;
    const manifestUrl = `s3://${manifestBucket}/${manifestKey}`;
    const client = await this.pool.connect();
    let failed = false;
    try {
      if (
        (await client.query('SELECT 1 FROM public.local_firehose_loaded_manifests WHERE manifest = $1', [manifestUrl]))
          .rowCount
      )
        return 'already-loaded';
      const columns = await readTargetColumns(
        client,
        this.copy.table,
        this.copy.columns,
        (message) => new CopyFailedError(message),
      );
      const locator = await this.fieldLocator(columns.length);
      const entries = await this.manifestEntries(manifestBucket, manifestKey);
      const lines: string[] = [];
      const errors: (RowError & { filename: string; lineNumber: number; rawLine: string })[] = [];
      for (const entry of entries) {
        const { bucket, key } = s3Location(entry.url, manifestUrl);
        let body: Buffer;
        try {
          body = await this.objects.getObject(bucket, key);
        } catch (error) {
          if (entry.mandatory === false) continue;
          throw new CopyFailedError(
            `COPY of ${manifestUrl}: ${entry.url} cannot be read (${(error as Error).message}).`,
          );
        }
        const content = (this.copy.options.gzip ? await gunzipAsync(body) : body).toString('utf8');
        for (const { text, lineNumber } of splitConcatenatedJson(content)) {
          const row = recordToRow(text, columns, locator, this.copy.options);
          if ('error' in row)
            errors.push({ ...row.error, filename: entry.url, lineNumber, rawLine: text.slice(0, 1024) });
          else lines.push(copyTextLine(row.fields));
        }
        if (errors.length > this.copy.options.maxErrors) break;
      }
      if (errors.length > 0) await this.recordLoadErrors(errors.slice(0, this.copy.options.maxErrors + 1));
      if (errors.length > this.copy.options.maxErrors) {
        failed = true;
        throw new CopyFailedError(
          `Load into table '${this.copy.table.split('.').pop()}' failed. Check 'stl_load_errors' system table for details. (${errors[0]!.colname}: ${errors[0]!.errReason}, in ${errors[0]!.filename})`,
        );
      }
      await client.query('BEGIN');
      try {
        const columnList = columns.map((column) => quoteIdentifier(column.name)).join(', ');
        await pipeline(
          Readable.from(lines),
          client.query(copyFrom(`COPY ${this.copy.table} (${columnList}) FROM STDIN`)),
        );
        await client.query(
          'INSERT INTO public.local_firehose_loaded_manifests (delivery_stream, manifest) VALUES ($1, $2)',
          [this.deliveryStream, manifestUrl],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        // PostgreSQL refused a row Redshift's checks above let through: still the whole manifest, still recorded.
        if (isDatabaseError(error)) {
          failed = true;
          await this.recordLoadErrors([
            {
              colname: '',
              type: '',
              colLength: '',
              rawFieldValue: '',
              errCode: 1216,
              errReason: String((error as Error).message).slice(0, 100),
              filename: manifestUrl,
              lineNumber: 0,
              rawLine: '',
            },
          ]);
          throw new CopyFailedError(`Load into table '${this.copy.table}' failed: ${(error as Error).message}`);
        }
        throw error;
      }
      return 'loaded';
    } finally {
      client.release(failed ? undefined : undefined);
    }
  }

  private async fieldLocator(columnCount: number): Promise<FieldLocator> {
    const { json } = this.copy.options;
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

  private async manifestEntries(bucket: string, key: string): Promise<ManifestEntry[]> {
    const text = (await this.objects.getObject(bucket, key)).toString('utf8');
    const entries = (JSON.parse(text) as { entries?: unknown }).entries;
    if (!Array.isArray(entries))
      throw new CopyFailedError(`s3://${bucket}/${key} is not a manifest ({"entries": [...]}).`);
    return entries as ManifestEntry[];
  }

  private async recordLoadErrors(
    errors: readonly (RowError & { filename: string; lineNumber: number; rawLine: string })[],
  ): Promise<void> {
    const values: unknown[] = [];
    const rows = errors.map((error, index) => {
      values.push(
        error.filename.slice(0, 256),
        error.lineNumber,
        error.colname.slice(0, 127),
        error.type.slice(0, 10),
        error.colLength.slice(0, 10),
        error.rawLine.slice(0, 1024),
        error.rawFieldValue.slice(0, 1024),
        error.errCode,
        error.errReason.slice(0, 100),
      );
      const base = index * 9;
      return `(${Array.from({ length: 9 }, (_, offset) => `$${base + offset + 1}`).join(', ')})`;
    });
    await this.pool.query(
      `WITH copy AS (SELECT nextval('public.stl_load_errors_query') AS query)
       INSERT INTO public.stl_load_errors
         (userid, slice, tbl, starttime, session, query, filename, line_number, colname, type, col_length, position,
          raw_line, raw_field_value, err_code, err_reason, is_partial, start_offset)
       SELECT 100, 0, to_regclass('${this.copy.table.replaceAll("'", "''")}')::oid::integer, now(), pg_backend_pid(), copy.query,
              v.filename, v.line_number::bigint, v.colname, v.type, v.col_length, 0, v.raw_line, v.raw_field_value,
              v.err_code::integer, v.err_reason, 0, 0
         FROM copy, (VALUES ${rows.join(', ')})
           AS v (filename, line_number, colname, type, col_length, raw_line, raw_field_value, err_code, err_reason)`,
      values,
    );
  }
}

function s3Location(url: string, manifestUrl: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (match === null) throw new CopyFailedError(`${manifestUrl} lists ${JSON.stringify(url)}, which is no s3:// URL.`);
  return { bucket: match[1]!, key: match[2]! };
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
