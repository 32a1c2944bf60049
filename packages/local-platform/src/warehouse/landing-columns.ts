import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { WAREHOUSE_SQL_DIR } from './warehouse-schema';

/** resources/warehouse/landing-columns.yml: the landing table's COPY columns and each one's jsonpath. */
export const LANDING_COLUMNS_FILE = path.join(WAREHOUSE_SQL_DIR, 'landing-columns.yml');

export interface LandingColumns {
  /** Schema-qualified, e.g. retail.invoice_line_landing. */
  table: string;
  /** Filled by its DEFAULT at load time, not by COPY. */
  loadTimeColumn: string;
  /** In COPY order. */
  columns: { name: string; jsonpath: string }[];
}

/** Reads and checks landing-columns.yml: `dataTableColumns` (for the CopyCommand) must list `columns` in order. */
export async function readLandingColumns(file: string = LANDING_COLUMNS_FILE): Promise<LandingColumns> {
  const document = parse(await readFile(file, 'utf8')) as Partial<{
    table: string;
    loadTimeColumn: string;
    dataTableColumns: string;
    columns: { name?: unknown; jsonpath?: unknown }[];
  }>;
  const { table, loadTimeColumn, dataTableColumns, columns } = document;
  if (typeof table !== 'string' || typeof loadTimeColumn !== 'string' || !Array.isArray(columns))
    throw new Error(`${file} needs table, loadTimeColumn and a columns list.`);
  const parsed = columns.map((column, index) => {
    if (typeof column.name !== 'string' || typeof column.jsonpath !== 'string' || !column.jsonpath.startsWith('$'))
      throw new Error(`${file}: columns[${index}] needs a name and a jsonpath starting with $.`);
    return { name: column.name, jsonpath: column.jsonpath };
  });
  const listed = parsed.map((column) => column.name).join(',');
  if (dataTableColumns !== listed)
    throw new Error(`${file}: dataTableColumns is ${String(dataTableColumns)} but the columns list says ${listed}.`);
  return { table, loadTimeColumn, columns: parsed };
}

/** The jsonpaths file a Redshift COPY reads (`FORMAT JSON 's3://.../jsonpaths.json'`), one path per column. */
export function jsonpathsDocument(landing: LandingColumns): { jsonpaths: string[] } {
  return { jsonpaths: landing.columns.map((column) => column.jsonpath) };
}
