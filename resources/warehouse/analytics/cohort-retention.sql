-- Monthly cohorts by first purchase month within the range: of the customers who first bought in cohort_month,
-- how many bought again months_since months later (0 is the cohort itself). From the invoices' totals
-- (0060-invoice-totals.sql).
SELECT
  TO_CHAR(cohorts.cohort_month, 'YYYY-MM') AS cohort_month,
  CAST(
    (EXTRACT(YEAR FROM activity.activity_month) - EXTRACT(YEAR FROM cohorts.cohort_month)) * 12
      + EXTRACT(MONTH FROM activity.activity_month) - EXTRACT(MONTH FROM cohorts.cohort_month)
    AS INTEGER
  ) AS months_since,
  COUNT(*) AS active_customers
FROM (
  SELECT DISTINCT customer_id, CAST(DATE_TRUNC('month', invoice_date) AS DATE) AS activity_month
  FROM retail.invoice_summary
  WHERE customer_id IS NOT NULL AND invoice_kind = 'sale'
    AND invoice_date >= CAST(:date_from AS DATE)
    AND invoice_date < CAST(:date_to AS DATE) + 1
    AND (:country = '*' OR country = :country)
) activity
JOIN (
  SELECT customer_id, CAST(DATE_TRUNC('month', MIN(invoice_date)) AS DATE) AS cohort_month
  FROM retail.invoice_summary
  WHERE customer_id IS NOT NULL AND invoice_kind = 'sale'
    AND invoice_date >= CAST(:date_from AS DATE)
    AND invoice_date < CAST(:date_to AS DATE) + 1
    AND (:country = '*' OR country = :country)
  GROUP BY customer_id
) cohorts ON cohorts.customer_id = activity.customer_id
GROUP BY 1, 2
ORDER BY 1, 2;
