import { ANALYTICS_BODY_SCHEMAS, type AnalyticsRow, type AnalyticsViewName } from '@retail/api-contract';
import type { StackFile } from '@retail/local-platform';
import { withWarehouseClient } from '@retail/local-platform/warehouse';
import { precomputedTablesDifferingFromLines } from '@retail/test-support';

/** The fact table's line ids, sorted as JavaScript sorts (not by the database's collation), from stack.json's warehouseUrl. */
export async function readFactLineIds(stack: StackFile): Promise<string[]> {
  if (stack.warehouseUrl === undefined)
    throw new Error('the platform runs no warehouse (stack.json has no warehouseUrl)');
  const { rows } = await withWarehouseClient(stack.warehouseUrl, (client) =>
    client.query<{ line_id: string }>('SELECT line_id FROM retail.fact_invoice_line'),
  );
  return rows.map((row) => row.line_id).sort();
}

/** A dashboard view as the platform's visualization API answers it (over the warehouse), checked by its contract. */
export async function readAnalyticsView<View extends AnalyticsViewName>(
  stack: StackFile,
  view: View,
): Promise<AnalyticsRow<View>[]> {
  const answer = await fetch(`${stack.apiUrl}/analytics/${view}`, { headers: { 'x-api-key': stack.apiKey } });
  if (answer.status !== 200)
    throw new Error(`GET /analytics/${view} answered ${answer.status}: ${await answer.text()}`);
  return ANALYTICS_BODY_SCHEMAS[view].parse(await answer.json()).rows as AnalyticsRow<View>[];
}

/**
 * The dashboard's precomputed tables that differ from what their SQL computes from the fact table's lines (the merge
 * keeps them in its transaction): [] when every one is exact.
 */
export async function readPrecomputedTablesDifferingFromLines(stack: StackFile): Promise<string[]> {
  if (stack.warehouseUrl === undefined)
    throw new Error('the platform runs no warehouse (stack.json has no warehouseUrl)');
  return withWarehouseClient(stack.warehouseUrl, (client) => precomputedTablesDifferingFromLines(client));
}
