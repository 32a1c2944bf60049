import {
  readWarehouseFile,
  splitSqlStatements,
  type WarehouseEngine,
  type WarehouseQueries,
  type WarehouseValue,
} from '@retail/adapters';
import { parseMilli, type Milli } from '@retail/domain';
import { WAREHOUSE_SQL_DIR } from '@retail/local-platform';
import { InvoiceLineTally, type InvoiceTotals } from './reconcile-figures';

/** The warehouse's queries for reconcile, in resources/warehouse/ with the rest of the warehouse SQL. */
export const RECONCILE_WAREHOUSE_FILE = 'reconcile-warehouse.sql';

/** Where the warehouse is, as the report's heading names it, and the port its queries go through. */
export interface WarehouseTarget {
  /** e.g. `workgroup retail-dev, database retail`. */
  label: string;
  queries: WarehouseQueries;
  /** Which text of the SQL file it runs (the reconcile queries read the same on both). */
  engine: WarehouseEngine;
}

export interface WarehouseFigures {
  label: string;
  /** From retail.fact_invoice_line; `lines.repeatedLines` counts fact rows whose line id an earlier row had. */
  lines: InvoiceLineTally;
  /** Each invoice's line count and total as the warehouse sums them (GROUP BY invoice_no). */
  invoiceTotals: Map<string, InvoiceTotals>;
  invoiceTotalsRevenue: Milli;
  /** Rows of retail.invoice_line_landing, copies included. */
  landedRows: number;
  /** Rows a query returned that are not what it selects (a NULL id, an amount that is no decimal). */
  unreadableRows: number;
  unreadableExamples: string[];
  factRows: number;
  elapsedMs: number;
}

const EXAMPLES = 5;

interface ReconcileStatements {
  lines: string;
  invoiceTotals: string;
  landedRows: string;
}

/** The three statements of reconcile-warehouse.sql, read once per process and engine (--wait reads the sinks often). */
const statementsRead = new Map<WarehouseEngine, Promise<ReconcileStatements>>();

function reconcileStatements(engine: WarehouseEngine): Promise<ReconcileStatements> {
  const cached = statementsRead.get(engine);
  if (cached) return cached;
  const read = readWarehouseFile(WAREHOUSE_SQL_DIR, RECONCILE_WAREHOUSE_FILE, engine).then((file) => {
    const [lines, invoiceTotals, landedRows, ...rest] = splitSqlStatements(file.sql);
    if (lines === undefined || invoiceTotals === undefined || landedRows === undefined || rest.length > 0)
      throw new Error(
        `${RECONCILE_WAREHOUSE_FILE} must hold exactly 3 statements (lines, invoice totals, landed rows), in that order`,
      );
    return { lines, invoiceTotals, landedRows };
  });
  statementsRead.set(engine, read);
  return read;
}

/** Reads the fact table's lines, the warehouse's own per-invoice totals and the landing table's size, at once. */
export async function readWarehouse(target: WarehouseTarget): Promise<WarehouseFigures> {
  const started = performance.now();
  const sql = await reconcileStatements(target.engine);
  const [lineRows, invoiceRows, landedRows] = await Promise.all([
    target.queries.query(sql.lines),
    target.queries.query(sql.invoiceTotals),
    target.queries.query(sql.landedRows),
  ]);
  const figures: WarehouseFigures = {
    label: target.label,
    lines: new InvoiceLineTally(),
    invoiceTotals: new Map(),
    invoiceTotalsRevenue: 0,
    landedRows: Number(landedRows.rows[0]?.landed_rows ?? 0),
    unreadableRows: 0,
    unreadableExamples: [],
    factRows: lineRows.rows.length,
    elapsedMs: 0,
  };
  const unreadable = (row: Record<string, WarehouseValue>) => {
    figures.unreadableRows++;
    if (figures.unreadableExamples.length < EXAMPLES) figures.unreadableExamples.push(JSON.stringify(row));
  };
  for (const row of lineRows.rows) {
    const { line_id: lineId, invoice_no: invoiceNo, customer_id: customerId } = row;
    const lineTotal = milliOf(row.line_total);
    if (typeof lineId !== 'string' || typeof invoiceNo !== 'string' || lineTotal === undefined) unreadable(row);
    else if (customerId !== null && typeof customerId !== 'string') unreadable(row);
    else figures.lines.add({ lineId, invoiceNo, customerId, lineTotal });
  }
  for (const row of invoiceRows.rows) {
    const lineCount = Number(row.line_count);
    const total = milliOf(row.total);
    if (typeof row.invoice_no !== 'string' || !Number.isSafeInteger(lineCount) || total === undefined) unreadable(row);
    else {
      figures.invoiceTotals.set(row.invoice_no, { lineCount, total });
      figures.invoiceTotalsRevenue += total;
    }
  }
  figures.elapsedMs = performance.now() - started;
  return figures;
}

/** DECIMAL arrives as exact text; a number (a driver that converts) is read through its shortest decimal. */
function milliOf(value: WarehouseValue | undefined): Milli | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const parsed = parseMilli(value);
  return parsed.ok ? parsed.milli : undefined;
}
