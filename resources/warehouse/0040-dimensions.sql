-- Dimensions as views over the fact table: always current, nothing to refresh, and the fact table stays the one
-- copy of each line. Latest values win where a key has several (a stock code's description, a customer's country).

-- Calendar days that have invoice lines; day_of_week 0 is Sunday on both engines.
CREATE OR REPLACE VIEW retail.dim_date AS
SELECT
  calendar_date,
  CAST(EXTRACT(YEAR FROM calendar_date) AS INTEGER) AS calendar_year,
  CAST(EXTRACT(MONTH FROM calendar_date) AS INTEGER) AS calendar_month,
  TO_CHAR(calendar_date, 'YYYY-MM') AS year_month,
  CAST(DATE_TRUNC('month', calendar_date) AS DATE) AS month_start,
  CAST(EXTRACT(DOW FROM calendar_date) AS INTEGER) AS day_of_week,
  TO_CHAR(calendar_date, 'Dy') AS weekday_name
FROM (SELECT DISTINCT CAST(invoice_date AS DATE) AS calendar_date FROM retail.fact_invoice_line) invoice_days;

-- One row per stock code (case-sensitive: 85123A and 85123a differ): its latest non-empty description, and the line
-- it came from (its invoice_date and line_id: the ranking below, which merge-landing.sql applies to new lines too).
CREATE OR REPLACE VIEW retail.dim_product AS
SELECT
  stock_code, description, stock_code_kind, is_product, first_invoice_at, last_invoice_at, described_at,
  description_line_id
FROM (
  SELECT
    stock_code,
    description,
    stock_code_kind,
    is_product,
    invoice_date AS described_at,
    line_id AS description_line_id,
    MIN(invoice_date) OVER (PARTITION BY stock_code) AS first_invoice_at,
    MAX(invoice_date) OVER (PARTITION BY stock_code) AS last_invoice_at,
    ROW_NUMBER() OVER (
      PARTITION BY stock_code
      ORDER BY CASE WHEN description IS NULL THEN 1 ELSE 0 END, invoice_date DESC, line_id DESC
    ) AS description_rank
  FROM retail.fact_invoice_line
) described
WHERE description_rank = 1;

-- One row per known customer: the country of their latest invoice.
CREATE OR REPLACE VIEW retail.dim_customer AS
SELECT customer_id, country, first_invoice_at, last_invoice_at
FROM (
  SELECT
    customer_id,
    country,
    MIN(invoice_date) OVER (PARTITION BY customer_id) AS first_invoice_at,
    MAX(invoice_date) OVER (PARTITION BY customer_id) AS last_invoice_at,
    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY invoice_date DESC, line_id DESC) AS recency_rank
  FROM retail.fact_invoice_line
  WHERE customer_id IS NOT NULL
) latest
WHERE recency_rank = 1;

-- Countries as the data set spells them (EIRE, RSA, Unspecified, European Community...).
CREATE OR REPLACE VIEW retail.dim_country AS
SELECT
  country,
  MIN(invoice_date) AS first_invoice_at,
  MAX(invoice_date) AS last_invoice_at,
  COUNT(DISTINCT customer_id) AS customers
FROM retail.fact_invoice_line
GROUP BY country;
