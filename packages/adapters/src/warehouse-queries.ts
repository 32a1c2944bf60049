/** A value of a warehouse row: integers and floats as numbers, DECIMAL, dates and timestamps as exact text. */
export type WarehouseValue = string | number | boolean | null;

export interface WarehouseColumn {
  name: string;
  /** The engine's type name, e.g. int8, numeric, varchar, timestamp. */
  typeName: string;
}

export interface WarehouseQueryResult {
  columns: WarehouseColumn[];
  /** Keyed by column name, in the order of `columns`. */
  rows: Record<string, WarehouseValue>[];
}

/** Values for the `:name` placeholders of a query; sent as text and cast by the warehouse from the context. */
export type WarehouseParameters = Readonly<Record<string, string | number | boolean>>;

/** The query failed in the warehouse (bad SQL, a missing table, a timeout): the message says which. */
export class WarehouseQueryError extends Error {
  override readonly name = 'WarehouseQueryError';
}

/**
 * Read queries over the warehouse (Redshift on AWS, the embedded PostgreSQL locally, both through the Data API):
 * what the dashboard asks of the analytic views. One SQL statement per call, with `:name` parameters.
 */
export interface WarehouseQueries {
  query(sql: string, parameters?: WarehouseParameters): Promise<WarehouseQueryResult>;
}
