import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sqlSegments } from './sql-text';

/**
 * The warehouse SQL is one set of files for Redshift and PostgreSQL (resources/warehouse/). Redshift-only table
 * attributes sit in `/*@redshift ... *\/` comments: PostgreSQL skips them as comments, the Redshift text unwraps them.
 * What only PostgreSQL needs (an ANALYZE that Redshift's automatic analyze makes unneeded) sits in `/*@postgresql ...
 * *\/` comments, unwrapped for PostgreSQL only; docs/aws-fidelity.md lists each.
 */
export type WarehouseEngine = 'redshift' | 'postgresql';

export interface WarehouseSqlFile {
  /** The file name, e.g. 0020-landing.sql. */
  name: string;
  /** The text for the engine asked for. */
  sql: string;
}

/** Schema files are numbered (0010-schema.sql, ...) and applied in name order; other .sql files run on demand. */
const SCHEMA_FILE = /^\d{4}-[a-z0-9-]+\.sql$/;
/** The merge of landed rows into the fact table: retail.merge_landing(), which the schedule and the batch job CALL. */
export const MERGE_LANDING_FILE = 'merge-landing.sql';
/** Fills the precomputed tables whole from the fact table: run by the migration right after the schema. */
export const REFRESH_PRECOMPUTED_FILE = 'refresh-precomputed.sql';
const ENGINE_COMMENT: Readonly<Record<WarehouseEngine, RegExp>> = {
  redshift: /\/\*@redshift\s([\s\S]*?)\*\//g,
  postgresql: /\/\*@postgresql\s([\s\S]*?)\*\//g,
};

/** The text of one warehouse SQL file for `engine`: its own `/*@<engine> ... *\/` parts unwrapped, the other's left as comments. */
export function warehouseSqlFor(engine: WarehouseEngine, text: string): string {
  return text.replace(ENGINE_COMMENT[engine], (_comment, inner: string) => inner.trim());
}

/** The schema files of `directory` in the order they apply, as `engine` runs them. */
export async function readWarehouseSchema(directory: string, engine: WarehouseEngine): Promise<WarehouseSqlFile[]> {
  const names = (await readdir(directory)).filter((name) => SCHEMA_FILE.test(name)).sort();
  if (names.length === 0)
    throw new Error(
      `${directory} holds no warehouse schema files (named like 0010-schema.sql): is it the right folder?`,
    );
  return Promise.all(names.map(async (name) => readWarehouseFile(directory, name, engine)));
}

/** One named file of `directory` (e.g. MERGE_LANDING_FILE) as `engine` runs it. */
export async function readWarehouseFile(
  directory: string,
  name: string,
  engine: WarehouseEngine,
): Promise<WarehouseSqlFile> {
  return { name, sql: warehouseSqlFor(engine, await readFile(path.join(directory, name), 'utf8')) };
}

/**
 * Splits SQL text into statements at semicolons outside quotes and comments: the Data API runs one statement per
 * ExecuteStatement (a list in BatchExecuteStatement). Comments are dropped; statements come back trimmed.
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  for (const segment of sqlSegments(sql)) {
    if (segment.kind === 'comment') current += ' ';
    else if (segment.kind !== 'code') current += segment.text;
    else {
      const [first, ...rest] = segment.text.split(';');
      current += first;
      for (const next of rest) {
        if (current.trim() !== '') statements.push(current.trim());
        current = next;
      }
    }
  }
  if (current.trim() !== '') statements.push(current.trim());
  return statements;
}
