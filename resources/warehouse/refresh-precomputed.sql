-- Fills the precomputed views and tables (0060-invoice-totals.sql, 0070-product-totals.sql) again from the fact
-- table. Run by the merge's owner right after merge-landing.sql, in its transaction: locally after each merge, on AWS
-- inside retail.merge_landing() (only a materialized view's owner may refresh it, so the Glue job's own merge leaves
-- this to the next scheduled one). Also run right after the schema files, at every start and deploy.
REFRESH MATERIALIZED VIEW retail.invoice_totals;

REFRESH MATERIALIZED VIEW retail.product_day_totals;

DELETE FROM retail.product_descriptions;

INSERT INTO retail.product_descriptions (stock_code, description)
SELECT stock_code, description FROM retail.dim_product;
