/** What the parent tells the warehouse child process (as JSON in its first argument). */
export interface WarehouseServerSpec {
  /** The PostgreSQL data directory (created by initdb on first start). */
  dataDir: string;
  host: string;
  /** A real port: PostgreSQL cannot pick one itself, the parent finds a free one for 0. */
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The line the child prints once PostgreSQL accepts connections and the database exists. */
export const warehouseReadyLine = (port: number, initdbMs: number, startMs: number): string =>
  `warehouse-ready port=${port} initdb_ms=${initdbMs} start_ms=${startMs}`;
export const WAREHOUSE_READY_LINE = /^warehouse-ready port=(\d+) initdb_ms=(\d+) start_ms=(\d+)$/;
