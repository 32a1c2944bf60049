/**
 * The dashboard's precomputed tables (resources/warehouse/0060-invoice-totals.sql, 0070-product-totals.sql) and what
 * each must hold: the rows its SQL computes from the fact table's lines.
 */
const PRECOMPUTED_FROM_LINES: readonly { table: string; fromLines: string }[] = [
  { table: 'retail.invoice_summary', fromLines: 'SELECT * FROM retail.invoice_summary_from_lines' },
  { table: 'retail.product_day_summary', fromLines: 'SELECT * FROM retail.product_day_summary_from_lines' },
  {
    table: 'retail.product_descriptions',
    fromLines: 'SELECT stock_code, description, described_at, description_line_id FROM retail.dim_product',
  },
];

interface QueryClient {
  query<Row>(sql: string): Promise<{ rows: Row[] }>;
}

/**
 * Each precomputed table that differs from what its SQL computes from the lines now, as `<table>: <n> rows differ`,
 * or is empty: [] when every table is exact (and holds rows).
 */
export async function precomputedTablesDifferingFromLines(client: QueryClient): Promise<string[]> {
  const differing: string[] = [];
  for (const { table, fromLines } of PRECOMPUTED_FROM_LINES) {
    const { rows } = await client.query<{ differing: string; held: string }>(
      `SELECT
         (SELECT COUNT(*) FROM ((TABLE ${table} EXCEPT ALL (${fromLines})) UNION ALL ((${fromLines}) EXCEPT ALL TABLE ${table})) rows_differing) AS differing,
         (SELECT COUNT(*) FROM ${table}) AS held`,
    );
    const { differing: count, held } = rows[0]!;
    if (Number(count) > 0) differing.push(`${table}: ${count} rows differ`);
    else if (Number(held) === 0) differing.push(`${table}: empty`);
  }
  return differing;
}
