import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** resources/warehouse/landing-columns.yml: the landing table's COPY columns and each one's jsonpath. */
export interface LandingColumns {
  table: string;
  dataTableColumns: string;
  columns: { name: string; jsonpath: string }[];
}

export function readLandingColumns(warehouseDir: string): LandingColumns {
  const file = path.join(warehouseDir, 'landing-columns.yml');
  const parsed = parse(readFileSync(file, 'utf8')) as Partial<LandingColumns>;
  const columns = parsed.columns;
  if (
    typeof parsed.table !== 'string' ||
    typeof parsed.dataTableColumns !== 'string' ||
    !Array.isArray(columns) ||
    columns.some((column) => typeof column?.name !== 'string' || typeof column?.jsonpath !== 'string')
  )
    throw new Error(`${file} needs table, dataTableColumns and columns (a list of {name, jsonpath}).`);
  const names = columns.map((column) => column.name).join(',');
  if (names !== parsed.dataTableColumns.replace(/\s/g, ''))
    throw new Error(
      `${file}: dataTableColumns (${parsed.dataTableColumns}) differs from the columns' names (${names}).`,
    );
  return parsed as LandingColumns;
}

/** The jsonpaths file the landing table's COPY reads (`JSON 's3://.../jsonpaths'`): one path per column, in order. */
export function landingJsonpathsDocument(landing: LandingColumns): string {
  return `${JSON.stringify({ jsonpaths: landing.columns.map((column) => column.jsonpath) }, null, 2)}\n`;
}
