-- Precomputed for the dashboard (resources/warehouse/analytics/*.sql): one row per invoice and its timestamp, country,
-- customer and kind (about 26,000 rows for the full data set's 541,909 lines), so the date range and country still
-- filter exactly as on the lines, and every figure the dashboard shows (sums, distinct invoices, distinct customers,
-- first and last purchases, weekday and hour) is exact from it. Filled again by refresh-precomputed.sql after each
-- merge; re-created here at every deploy and start, so its definition is always this file's (neither engine has
-- CREATE OR REPLACE MATERIALIZED VIEW). On Redshift AUTO REFRESH also catches loads the scheduled merge has not seen.
-- invoice_months reads invoice_totals, so it goes first and comes back after it.
DROP VIEW IF EXISTS retail.invoice_months;

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

-- Every calendar month from the first invoice's to the last invoice's, none missing, as YYYY-MM: the months of the
-- dashboard's monthly views (analytics/monthly-revenue.sql, new-vs-returning.sql), so a month without lines (of the
-- country shown) is a 0 on an evenly spaced axis rather than a month left out. Numbered by three digits of months
-- (0 to 999, 83 years) because GENERATE_SERIES runs on Redshift's leader node only; empty while there are no lines.
CREATE VIEW retail.invoice_months AS
WITH decimal_digits (digit) AS (
  SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
  UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9
)
SELECT
  LPAD(CAST(month_number / 12 AS VARCHAR(4)), 4, '0') || '-' || LPAD(CAST(MOD(month_number, 12) + 1 AS VARCHAR(2)), 2, '0')
    AS year_month
FROM (
  SELECT span.first_month + hundreds.digit * 100 + tens.digit * 10 + ones.digit AS month_number, span.last_month
  FROM (
    SELECT
      CAST(EXTRACT(YEAR FROM MIN(invoice_date)) AS INTEGER) * 12
        + CAST(EXTRACT(MONTH FROM MIN(invoice_date)) AS INTEGER) - 1 AS first_month,
      CAST(EXTRACT(YEAR FROM MAX(invoice_date)) AS INTEGER) * 12
        + CAST(EXTRACT(MONTH FROM MAX(invoice_date)) AS INTEGER) - 1 AS last_month
    FROM retail.invoice_totals
    HAVING COUNT(*) > 0
  ) span
  CROSS JOIN decimal_digits hundreds
  CROSS JOIN decimal_digits tens
  CROSS JOIN decimal_digits ones
) numbered
WHERE month_number <= last_month;
