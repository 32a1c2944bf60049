-- Precomputed for the dashboard (resources/warehouse/analytics/*.sql): one row per invoice and its timestamp, country,
-- customer and kind (about 26,000 rows for the full data set's 541,909 lines), so the date range and country still
-- filter exactly as on the lines, and every figure the dashboard shows (sums, distinct invoices, distinct customers,
-- first and last purchases, weekday and hour) is exact from it. A table that the merge keeps (merge-landing.sql
-- computes the rows of the days it changed again, in its own transaction), filled whole by
-- refresh-precomputed.sql right after the schema; made again here at every deploy and start, so its definition is
-- always this file's. Not a materialized view: PostgreSQL refreshes one whole (seconds at the full data set, at every
-- merge), and Redshift's incremental refresh sees only committed rows, so a view could not be kept by the merge.
-- invoice_months reads invoice_summary, so it goes first and comes back after it. The materialized view this table
-- replaced (invoice_totals) goes too.
DROP VIEW IF EXISTS retail.invoice_months;

DROP MATERIALIZED VIEW IF EXISTS retail.invoice_totals;

DROP TABLE IF EXISTS retail.invoice_summary;

CREATE TABLE retail.invoice_summary (
  invoice_no VARCHAR(7) NOT NULL,
  invoice_date TIMESTAMP NOT NULL,
  country VARCHAR(400) NOT NULL,
  customer_id VARCHAR(12),
  invoice_kind VARCHAR(12) NOT NULL,
  is_cancellation BOOLEAN NOT NULL,
  revenue DECIMAL(38, 3) NOT NULL,
  units BIGINT NOT NULL,
  lines BIGINT NOT NULL
)
/*@redshift DISTKEY (invoice_no) SORTKEY (invoice_date) */;

-- What invoice_summary holds, computed from the lines: the merge and refresh-precomputed.sql fill it from here (the
-- merge for the days it changed, a filter on invoice_date that both engines apply before grouping).
CREATE OR REPLACE VIEW retail.invoice_summary_from_lines AS
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

-- PostgreSQL only: the merge computes again the rows of the days it changed, found by day here and in the fact table
-- (0030-fact.sql).
/*@postgresql
CREATE INDEX invoice_summary_invoice_day ON retail.invoice_summary ((CAST(invoice_date AS DATE)));
*/

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
    FROM retail.invoice_summary
    HAVING COUNT(*) > 0
  ) span
  CROSS JOIN decimal_digits hundreds
  CROSS JOIN decimal_digits tens
  CROSS JOIN decimal_digits ones
) numbered
WHERE month_number <= last_month;
