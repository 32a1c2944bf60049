-- Net revenue, sale invoices and customers by calendar month, from the invoices' totals (0060-invoice-totals.sql):
-- every month of the range the warehouse spans (invoice_months), 0 where the month has no lines of the country shown.
SELECT
  months.year_month,
  COALESCE(by_month.revenue, 0) AS revenue,
  COALESCE(by_month.invoices, 0) AS invoices,
  COALESCE(by_month.customers, 0) AS customers
FROM retail.invoice_months months
LEFT JOIN (
  SELECT
    TO_CHAR(invoice_date, 'YYYY-MM') AS year_month,
    SUM(revenue) AS revenue,
    COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END) AS invoices,
    COUNT(DISTINCT customer_id) AS customers
  FROM retail.invoice_summary
  WHERE invoice_date >= CAST(:date_from AS DATE)
    AND invoice_date < CAST(:date_to AS DATE) + 1
    AND (:country = '*' OR country = :country)
  GROUP BY 1
) by_month ON by_month.year_month = months.year_month
WHERE months.year_month >= TO_CHAR(CAST(:date_from AS DATE), 'YYYY-MM')
  AND months.year_month <= TO_CHAR(CAST(:date_to AS DATE), 'YYYY-MM')
ORDER BY 1;
