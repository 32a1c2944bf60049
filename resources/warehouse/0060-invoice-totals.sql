-- Precomputed for the dashboard (resources/warehouse/analytics/*.sql): one row per invoice and its timestamp, country,
-- customer and kind (about 26,000 rows for the full data set's 541,909 lines), so the date range and country still
-- filter exactly as on the lines, and every figure the dashboard shows (sums, distinct invoices, distinct customers,
-- first and last purchases, weekday and hour) is exact from it. Filled again by refresh-precomputed.sql after each
-- merge; re-created here at every deploy and start, so its definition is always this file's (neither engine has
-- CREATE OR REPLACE MATERIALIZED VIEW). On Redshift AUTO REFRESH also catches loads the scheduled merge has not seen.
DROP MATERIALIZED VIEW IF EXISTS retail.invoice_totals;

CREATE MATERIALIZED VIEW retail.invoice_totals
/*@redshift DISTKEY (invoice_no) SORTKEY (invoice_date) AUTO REFRESH YES */
AS
SELECT
  invoice_no,
  invoice_date,
  country,
  customer_id,
  invoice_kind,
  is_cancellation,
  SUM(line_total) AS revenue,
  CAST(SUM(quantity) AS BIGINT) AS units,
  COUNT(*) AS lines
FROM retail.fact_invoice_line
GROUP BY invoice_no, invoice_date, country, customer_id, invoice_kind, is_cancellation;
