import type { FieldDef, QueryArrayResult } from 'pg';

/** One value of a result row, as the Data API's `Field` union spells it. */
export type DataApiField =
  | { isNull: true }
  | { booleanValue: boolean }
  | { longValue: number }
  | { doubleValue: number }
  | { stringValue: string };

export interface DataApiColumnMetadata {
  name: string;
  label: string;
  typeName: string;
  isCaseSensitive: boolean;
  isCurrency: boolean;
  isSigned: boolean;
  /** 0 not nullable, 1 nullable (JDBC's convention, as the Data API reports it). */
  nullable: number;
  precision: number;
  scale: number;
  length: number;
  schemaName: string;
  tableName: string;
}

/** What a table column adds to a result column's metadata (looked up in pg_catalog by the result's table ids). */
export interface TableColumnFacts {
  schemaName: string;
  tableName: string;
  notNull: boolean;
}

// PostgreSQL type oids, and how the Data API returns each: integers as longValue, floats as doubleValue, booleans
// as booleanValue, everything else (DECIMAL, dates, timestamps, text) as stringValue in PostgreSQL's text form.
const TYPES: Record<number, { name: string; field: 'boolean' | 'long' | 'double' | 'string'; precision?: number }> = {
  16: { name: 'bool', field: 'boolean', precision: 1 },
  20: { name: 'int8', field: 'long', precision: 19 },
  21: { name: 'int2', field: 'long', precision: 5 },
  23: { name: 'int4', field: 'long', precision: 10 },
  26: { name: 'oid', field: 'long', precision: 10 },
  700: { name: 'float4', field: 'double', precision: 8 },
  701: { name: 'float8', field: 'double', precision: 17 },
  1700: { name: 'numeric', field: 'string' },
  18: { name: 'char', field: 'string', precision: 1 },
  19: { name: 'name', field: 'string', precision: 64 },
  25: { name: 'text', field: 'string' },
  1042: { name: 'bpchar', field: 'string' },
  1043: { name: 'varchar', field: 'string' },
  1082: { name: 'date', field: 'string', precision: 13 },
  1083: { name: 'time', field: 'string', precision: 15 },
  1114: { name: 'timestamp', field: 'string', precision: 29 },
  1184: { name: 'timestamptz', field: 'string', precision: 35 },
};
const STRING_TYPES = new Set([18, 19, 25, 1042, 1043]);
const SIGNED_TYPES = new Set([20, 21, 23, 700, 701, 1700]);

/** Turns rows read as text (every type parser returns the text) into Data API fields. */
export function toDataApiRecords(result: QueryArrayResult<(string | null)[]>): DataApiField[][] {
  const kinds = result.fields.map((field) => TYPES[field.dataTypeID]?.field ?? 'string');
  return result.rows.map((row) =>
    row.map((value, column): DataApiField => {
      if (value === null) return { isNull: true };
      switch (kinds[column]) {
        case 'boolean':
          return { booleanValue: value === 't' || value === 'true' };
        case 'long':
          return { longValue: Number(value) };
        case 'double':
          return { doubleValue: Number(value) };
        default:
          return { stringValue: value };
      }
    }),
  );
}

export function toColumnMetadata(
  fields: readonly FieldDef[],
  tableColumns: ReadonlyMap<string, TableColumnFacts>,
): DataApiColumnMetadata[] {
  return fields.map((field) => {
    const type = TYPES[field.dataTypeID];
    const table = tableColumns.get(`${field.tableID}:${field.columnID}`);
    const { precision, scale, length } = sizeOf(field, type?.precision ?? 0);
    return {
      name: field.name,
      label: field.name,
      typeName: type?.name ?? `oid ${field.dataTypeID}`,
      isCaseSensitive: STRING_TYPES.has(field.dataTypeID),
      isCurrency: false,
      isSigned: SIGNED_TYPES.has(field.dataTypeID),
      nullable: table?.notNull ? 0 : 1,
      precision,
      scale,
      length,
      schemaName: table?.schemaName ?? '',
      tableName: table?.tableName ?? '',
    };
  });
}

// The type modifier carries VARCHAR(n) as n + 4 and DECIMAL(p, s) as ((p << 16) | s) + 4; -1 when undeclared.
function sizeOf(field: FieldDef, defaultPrecision: number): { precision: number; scale: number; length: number } {
  const modifier = field.dataTypeModifier;
  if (field.dataTypeID === 1700 && modifier >= 4)
    return { precision: ((modifier - 4) >> 16) & 0xffff, scale: (modifier - 4) & 0xffff, length: 0 };
  if ((field.dataTypeID === 1043 || field.dataTypeID === 1042) && modifier >= 4)
    return { precision: modifier - 4, scale: 0, length: modifier - 4 };
  return { precision: defaultPrecision, scale: 0, length: 0 };
}
