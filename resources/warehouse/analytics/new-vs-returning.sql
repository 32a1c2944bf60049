-- By month: customers buying for the first time ever (new) and those who had bought in an earlier month
-- (returning). A customer's first month is over all their sales, whatever the range or country shown. From the
-- invoices' totals (0060-invoice-totals.sql): every month of the range the warehouse spans (invoice_months), 0 and
-- 0 where the month has no sales of the country shown.
SELECT
  months.year_month,
  COALESCE(by_month.new_customers, 0) AS new_customers,
  COALESCE(by_month.returning_customers, 0) AS returning_customers
FROM retail.invoice_months months
LEFT JOIN (
  SELECT
    TO_CHAR(activity.activity_month, 'YYYY-MM') AS year_month,
    SUM(CASE WHEN activity.activity_month = firsts.first_month THEN 1 ELSE 0 END) AS new_customers,
    SUM(CASE WHEN activity.activity_month > firsts.first_month THEN 1 ELSE 0 END) AS returning_customers
  FROM (
    SELECT DISTINCT customer_id, CAST(DATE_TRUNC('month', invoice_date) AS DATE) AS activity_month
    FROM retail.invoice_summary
    WHERE customer_id IS NOT NULL AND invoice_kind = 'sale'
      AND invoice_date >= CAST(:date_from AS DATE)
      AND invoice_date < CAST(:date_to AS DATE) + 1
      AND (:country = '*' OR country = :country)
  ) activity
  JOIN (
    SELECT customer_id, CAST(DATE_TRUNC('month', MIN(invoice_date)) AS DATE) AS first_month
    FROM retail.invoice_summary
    WHERE customer_id IS NOT NULL AND invoice_kind = 'sale'
    GROUP BY customer_id
  ) firsts ON firsts.customer_id = activity.customer_id
  GROUP BY 1
) by_month ON by_month.year_month = months.year_month
WHERE months.year_month >= TO_CHAR(CAST(:date_from AS DATE), 'YYYY-MM')
  AND months.year_month <= TO_CHAR(CAST(:date_to AS DATE), 'YYYY-MM')
ORDER BY 1;
