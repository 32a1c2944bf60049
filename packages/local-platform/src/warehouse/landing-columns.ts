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
  /** Where the jsonpaths file is in the staging bucket. */
  jsonpathsKey: string;
  /** The COPY parameters after `JSON 's3://<staging bucket>/<jsonpathsKey>'`, for every load of the table. */
  copyOptions: string;
}

/** Reads and checks landing-columns.yml: `dataTableColumns` (for the CopyCommand) must list `columns` in order. */
export async function readLandingColumns(file: string = LANDING_COLUMNS_FILE): Promise<LandingColumns> {
  const document = parse(await readFile(file, 'utf8')) as Partial<{
    table: string;
    loadTimeColumn: string;
    dataTableColumns: string;
    columns: { name?: unknown; jsonpath?: unknown }[];
    jsonpathsKey: string;
    copyOptions: string;
  }>;
  const { table, loadTimeColumn, dataTableColumns, columns, jsonpathsKey, copyOptions } = document;
  if (
    typeof table !== 'string' ||
    typeof loadTimeColumn !== 'string' ||
    !Array.isArray(columns) ||
    typeof jsonpathsKey !== 'string' ||
    typeof copyOptions !== 'string'
  )
    throw new Error(`${file} needs table, loadTimeColumn, a columns list, jsonpathsKey and copyOptions.`);
  const parsed = columns.map((column, index) => {
    if (typeof column.name !== 'string' || typeof column.jsonpath !== 'string' || !column.jsonpath.startsWith('$'))
      throw new Error(`${file}: columns[${index}] needs a name and a jsonpath starting with $.`);
    return { name: column.name, jsonpath: column.jsonpath };
  });
  const listed = parsed.map((column) => column.name).join(',');
  if (dataTableColumns !== listed)
    throw new Error(`${file}: dataTableColumns is ${String(dataTableColumns)} but the columns list says ${listed}.`);
  return { table, loadTimeColumn, columns: parsed, jsonpathsKey, copyOptions };
}

/**
 * The COPY that loads the landing table from `from` (an object prefix, or a manifest), with the jsonpaths file in the
 * staging bucket and the declared options: the statement the delivery stream's CopyCommand makes, for any other load.
 */
export function landingCopyStatement(
  landing: LandingColumns,
  load: { from: string; manifest: boolean; authorization: string; stagingBucket: string },
): string {
  const columns = landing.columns.map((column) => column.name).join(',');
  const manifest = load.manifest ? ' MANIFEST' : '';
  return `COPY ${landing.table} (${columns}) FROM '${load.from}' ${load.authorization}${manifest} JSON 's3://${load.stagingBucket}/${landing.jsonpathsKey}' ${landing.copyOptions}`;
}

/** The jsonpaths file a Redshift COPY reads (`FORMAT JSON 's3://.../jsonpaths.json'`), one path per column. */
export function jsonpathsDocument(landing: LandingColumns): { jsonpaths: string[] } {
  return { jsonpaths: landing.columns.map((column) => column.jsonpath) };
}
