-- Fills the precomputed tables (0060-invoice-totals.sql, 0070-product-totals.sql) whole from the fact table: run by
-- the migration right after the schema files, at every start and deploy, so a warehouse that already has lines has
-- them. From then on the merge keeps them (merge-landing.sql), in its own transaction.
-- One at a time with the merge (see merge-landing.sql).
LOCK retail.merge_watermark;

DELETE FROM retail.invoice_summary;

INSERT INTO retail.invoice_summary (
  invoice_no, invoice_date, country, customer_id, invoice_kind, is_cancellation, revenue, units, lines
)
SELECT invoice_no, invoice_date, country, customer_id, invoice_kind, is_cancellation, revenue, units, lines
FROM retail.invoice_summary_from_lines;

DELETE FROM retail.product_day_summary;

INSERT INTO retail.product_day_summary (stock_code, invoice_day, country, revenue, quantity, invoices)
SELECT stock_code, invoice_day, country, revenue, quantity, invoices
FROM retail.product_day_summary_from_lines;

DELETE FROM retail.product_descriptions;

INSERT INTO retail.product_descriptions (stock_code, description, described_at, description_line_id)
SELECT stock_code, description, described_at, description_line_id FROM retail.dim_product;

-- PostgreSQL only: Redshift analyses what changed on its own (automatic analyze); PostgreSQL's autovacuum may not
-- have yet, and a plan made without statistics can be 1,000x slower (cohort-retention over a just-created view
-- measured 45 s against 24 ms).
/*@postgresql
ANALYZE retail.invoice_summary;
ANALYZE retail.product_day_summary;
ANALYZE retail.product_descriptions;
*/
