-- Analytic views over the fact table. Revenue is the net sum of line totals (quantity x unit price): sales,
-- cancellations (negative) and adjustments together, the figure `npm run reconcile` checks (9,747,747.934 on the
-- full data set). Money stays DECIMAL to the last of its 3 decimals; shares are DECIMAL(9, 4) (ROUND of a
-- DOUBLE PRECISION exists on Redshift only).

CREATE OR REPLACE VIEW retail.revenue_by_month AS
SELECT
  CAST(DATE_TRUNC('month', invoice_date) AS DATE) AS month_start,
  TO_CHAR(invoice_date, 'YYYY-MM') AS year_month,
  SUM(line_total) AS revenue,
  SUM(CASE WHEN is_cancellation THEN line_total ELSE 0 END) AS cancelled_value,
  COUNT(*) AS lines,
  COUNT(DISTINCT invoice_no) AS invoices,
  COUNT(DISTINCT customer_id) AS customers
FROM retail.fact_invoice_line
GROUP BY 1, 2;

CREATE OR REPLACE VIEW retail.revenue_by_country AS
SELECT
  country,
  SUM(line_total) AS revenue,
  SUM(CASE WHEN is_cancellation THEN line_total ELSE 0 END) AS cancelled_value,
  COUNT(*) AS lines,
  COUNT(DISTINCT invoice_no) AS invoices,
  COUNT(DISTINCT customer_id) AS customers
FROM retail.fact_invoice_line
GROUP BY country;

-- Products only (no postage, fees, manual lines...), ranked by net revenue; take the top N with ORDER BY/LIMIT.
CREATE OR REPLACE VIEW retail.top_products AS
SELECT
  RANK() OVER (ORDER BY sold.revenue DESC) AS revenue_rank,
  sold.stock_code,
  product.description,
  sold.revenue,
  sold.quantity,
  sold.invoices,
  sold.customers
FROM (
  SELECT
    stock_code,
    SUM(line_total) AS revenue,
    SUM(quantity) AS quantity,
    COUNT(DISTINCT invoice_no) AS invoices,
    COUNT(DISTINCT customer_id) AS customers
  FROM retail.fact_invoice_line
  WHERE is_product
  GROUP BY stock_code
) sold
JOIN retail.dim_product product ON product.stock_code = sold.stock_code;

-- Known customers ranked by net revenue.
CREATE OR REPLACE VIEW retail.top_customers AS
SELECT
  RANK() OVER (ORDER BY bought.revenue DESC) AS revenue_rank,
  bought.customer_id,
  customer.country,
  bought.revenue,
  bought.invoices,
  bought.lines
FROM (
  SELECT customer_id, SUM(line_total) AS revenue, COUNT(DISTINCT invoice_no) AS invoices, COUNT(*) AS lines
  FROM retail.fact_invoice_line
  WHERE customer_id IS NOT NULL
  GROUP BY customer_id
) bought
JOIN retail.dim_customer customer ON customer.customer_id = bought.customer_id;

-- Cancellation invoices (C...) by month, against the month's sales.
CREATE OR REPLACE VIEW retail.cancellations_by_month AS
SELECT
  CAST(DATE_TRUNC('month', invoice_date) AS DATE) AS month_start,
  COUNT(DISTINCT CASE WHEN is_cancellation THEN invoice_no END) AS cancellation_invoices,
  SUM(CASE WHEN is_cancellation THEN 1 ELSE 0 END) AS cancelled_lines,
  SUM(CASE WHEN is_cancellation THEN -quantity ELSE 0 END) AS cancelled_quantity,
  SUM(CASE WHEN is_cancellation THEN -line_total ELSE 0 END) AS cancelled_value,
  SUM(CASE WHEN invoice_kind = 'sale' THEN line_total ELSE 0 END) AS sales_value,
  CAST(
    CAST(SUM(CASE WHEN is_cancellation THEN -line_total ELSE 0 END) AS DOUBLE PRECISION)
      / NULLIF(CAST(SUM(CASE WHEN invoice_kind = 'sale' THEN line_total ELSE 0 END) AS DOUBLE PRECISION), 0)
    AS DECIMAL(9, 4)
  ) AS cancelled_share
FROM retail.fact_invoice_line
GROUP BY 1;

-- Every known customer: activity span, invoices and value.
CREATE OR REPLACE VIEW retail.customers AS
SELECT
  lines.customer_id,
  customer.country,
  MIN(lines.invoice_date) AS first_invoice_at,
  MAX(lines.invoice_date) AS last_invoice_at,
  COUNT(DISTINCT CASE WHEN lines.invoice_kind = 'sale' THEN lines.invoice_no END) AS sale_invoices,
  COUNT(DISTINCT CASE WHEN lines.is_cancellation THEN lines.invoice_no END) AS cancellation_invoices,
  COUNT(*) AS lines,
  SUM(lines.line_total) AS revenue,
  SUM(CASE WHEN lines.invoice_kind = 'sale' THEN lines.line_total ELSE 0 END)
    / NULLIF(COUNT(DISTINCT CASE WHEN lines.invoice_kind = 'sale' THEN lines.invoice_no END), 0) AS average_sale_value
FROM retail.fact_invoice_line lines
JOIN retail.dim_customer customer ON customer.customer_id = lines.customer_id
GROUP BY lines.customer_id, customer.country;

-- The RFM segment of each pair of recency and frequency scores (1-5): the one rule that retail.rfm_segments and the
-- dashboard's analytics/rfm-segments.sql (which scores over a date range and a country) both join.
CREATE OR REPLACE VIEW retail.rfm_segment_rules AS
SELECT
  recency.score AS recency_score,
  frequency.score AS frequency_score,
  CASE
    WHEN recency.score >= 4 AND frequency.score >= 4 THEN 'champions'
    WHEN frequency.score >= 4 THEN 'loyal'
    WHEN recency.score >= 4 AND frequency.score <= 2 THEN 'new or promising'
    WHEN recency.score <= 2 AND frequency.score >= 3 THEN 'at risk'
    WHEN recency.score <= 2 THEN 'hibernating'
    ELSE 'needs attention'
  END AS segment
FROM (SELECT 1 AS score UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) recency
CROSS JOIN (SELECT 1 AS score UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) frequency;

-- RFM: recency (days from the last purchase to the day after the data's last invoice), frequency (sale
-- invoices), monetary (net revenue); each scored 1-5 by quintile, ties broken by customer id so both engines agree.
CREATE OR REPLACE VIEW retail.rfm_segments AS
SELECT
  scored.customer_id,
  scored.recency_days,
  scored.frequency,
  scored.monetary,
  scored.recency_score,
  scored.frequency_score,
  scored.monetary_score,
  rules.segment
FROM (
  SELECT
    customer_id,
    recency_days,
    frequency,
    monetary,
    NTILE(5) OVER (ORDER BY recency_days DESC, customer_id) AS recency_score,
    NTILE(5) OVER (ORDER BY frequency, customer_id) AS frequency_score,
    NTILE(5) OVER (ORDER BY monetary, customer_id) AS monetary_score
  FROM (
    SELECT
      lines.customer_id,
      reference.last_day - CAST(MAX(lines.invoice_date) AS DATE) + 1 AS recency_days,
      COUNT(DISTINCT CASE WHEN lines.invoice_kind = 'sale' THEN lines.invoice_no END) AS frequency,
      SUM(lines.line_total) AS monetary
    FROM retail.fact_invoice_line lines
    CROSS JOIN (SELECT CAST(MAX(invoice_date) AS DATE) AS last_day FROM retail.fact_invoice_line) reference
    WHERE lines.customer_id IS NOT NULL
    GROUP BY lines.customer_id, reference.last_day
  ) measured
  WHERE frequency > 0
) scored
JOIN retail.rfm_segment_rules rules
  ON rules.recency_score = scored.recency_score AND rules.frequency_score = scored.frequency_score;

-- Monthly cohorts by first purchase month: of the customers who first bought in cohort_month, how many bought
-- again months_since months later.
CREATE OR REPLACE VIEW retail.cohort_retention AS
SELECT
  cohorts.cohort_month,
  CAST(
    (EXTRACT(YEAR FROM activity.activity_month) - EXTRACT(YEAR FROM cohorts.cohort_month)) * 12
      + EXTRACT(MONTH FROM activity.activity_month) - EXTRACT(MONTH FROM cohorts.cohort_month)
    AS INTEGER
  ) AS months_since,
  COUNT(*) AS active_customers,
  sizes.cohort_customers,
  CAST(CAST(COUNT(*) AS DOUBLE PRECISION) / sizes.cohort_customers AS DECIMAL(9, 4)) AS retention
FROM (
  SELECT DISTINCT customer_id, CAST(DATE_TRUNC('month', invoice_date) AS DATE) AS activity_month
  FROM retail.fact_invoice_line
  WHERE customer_id IS NOT NULL AND invoice_kind = 'sale'
) activity
JOIN (
  SELECT customer_id, CAST(DATE_TRUNC('month', MIN(invoice_date)) AS DATE) AS cohort_month
  FROM retail.fact_invoice_line
  WHERE customer_id IS NOT NULL AND invoice_kind = 'sale'
  GROUP BY customer_id
) cohorts ON cohorts.customer_id = activity.customer_id
JOIN (
  SELECT cohort_month, COUNT(*) AS cohort_customers
  FROM (
    SELECT customer_id, CAST(DATE_TRUNC('month', MIN(invoice_date)) AS DATE) AS cohort_month
    FROM retail.fact_invoice_line
    WHERE customer_id IS NOT NULL AND invoice_kind = 'sale'
    GROUP BY customer_id
  ) first_purchases
  GROUP BY cohort_month
) sizes ON sizes.cohort_month = cohorts.cohort_month
GROUP BY cohorts.cohort_month, 2, sizes.cohort_customers;

-- When orders come in: sale lines by weekday (0 Sunday) and hour of the UK wall clock.
CREATE OR REPLACE VIEW retail.sales_by_hour_weekday AS
SELECT
  CAST(EXTRACT(DOW FROM invoice_date) AS INTEGER) AS day_of_week,
  TO_CHAR(invoice_date, 'Dy') AS weekday_name,
  CAST(EXTRACT(HOUR FROM invoice_date) AS INTEGER) AS hour_of_day,
  COUNT(*) AS lines,
  COUNT(DISTINCT invoice_no) AS invoices,
  SUM(line_total) AS revenue
FROM retail.fact_invoice_line
WHERE invoice_kind = 'sale'
GROUP BY 1, 2, 3;
