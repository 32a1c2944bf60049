-- Fills the precomputed views and tables (0060-invoice-totals.sql, 0070-product-totals.sql) again from the fact
-- table. Installed as retail.refresh_precomputed() (owned by the migration's admin: only a materialized view's owner
-- may refresh it), which retail.merge_landing() calls after the merge has committed: an incremental refresh on
-- Redshift sees only committed rows, and only when the merge changed the fact table since the last refresh. Also run
-- right after the schema files, at every start and deploy.
-- One at a time with the merge (see merge-landing.sql): two refreshes would both refill product_descriptions.
LOCK retail.merge_watermark;

REFRESH MATERIALIZED VIEW retail.invoice_totals;

REFRESH MATERIALIZED VIEW retail.product_day_totals;

DELETE FROM retail.product_descriptions;

INSERT INTO retail.product_descriptions (stock_code, description)
SELECT stock_code, description FROM retail.dim_product;

-- The fact table's change these relations now hold (merge-landing.sql records it): retail.refresh_precomputed()
-- refreshes again only after the next one, so a merge that changed nothing costs no refresh.
UPDATE retail.merge_watermark
SET merged_through = fact_change.merged_at, merged_at = GETDATE()
FROM (SELECT merged_at FROM retail.merge_watermark WHERE landing_table = 'retail.invoice_line_landing') fact_change
WHERE merge_watermark.landing_table = 'retail.precomputed';

-- PostgreSQL only: Redshift analyses what changed on its own (automatic analyze); PostgreSQL's autovacuum may not
-- have yet, and a plan made without statistics can be 1,000x slower (cohort-retention over a just-created view
-- measured 45 s against 24 ms).
/*@postgresql
ANALYZE retail.invoice_totals;
ANALYZE retail.product_day_totals;
ANALYZE retail.product_descriptions;
*/
