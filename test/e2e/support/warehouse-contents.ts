import { ANALYTICS_BODY_SCHEMAS, type AnalyticsRow, type AnalyticsViewName } from '@retail/api-contract';
import type { StackFile } from '@retail/local-platform';
import { withWarehouseClient } from '@retail/local-platform/warehouse';
import { eventually } from '@retail/test-support';

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
 * Waits until the dashboard's precomputed views hold the fact table's latest change: the merge refreshes them once the
 * lines stop changing (a merge that finds nothing new) or a minute after their last refresh, so they may lag the fact
 * table by one schedule period (resources/warehouse/refresh-precomputed.sql, README).
 */
export async function waitForPrecomputedViews(stack: StackFile, timeoutMs = 60_000): Promise<void> {
  const warehouseUrl = stack.warehouseUrl;
  if (warehouseUrl === undefined) throw new Error('the platform runs no warehouse (stack.json has no warehouseUrl)');
  await eventually(
    async () => {
      const { rows } = await withWarehouseClient(warehouseUrl, (client) =>
        client.query(
          `SELECT 1 FROM retail.merge_watermark fact_change
           JOIN retail.merge_watermark refreshed ON refreshed.landing_table = 'retail.precomputed'
           WHERE fact_change.landing_table = 'retail.invoice_line_landing'
             AND refreshed.merged_through >= fact_change.merged_at`,
        ),
      );
      if (rows.length === 0) throw new Error('the precomputed views have not caught up with the fact table');
    },
    { timeoutMs, intervalMs: 250 },
  );
}
