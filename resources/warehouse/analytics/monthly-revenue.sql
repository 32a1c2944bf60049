-- Net revenue, sale invoices and customers by calendar month, from the invoices' totals (0060-invoice-totals.sql).
SELECT
  TO_CHAR(invoice_date, 'YYYY-MM') AS year_month,
  SUM(revenue) AS revenue,
  COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END) AS invoices,
  COUNT(DISTINCT customer_id) AS customers
FROM retail.invoice_totals
WHERE invoice_date >= CAST(:date_from AS DATE)
  AND invoice_date < CAST(:date_to AS DATE) + 1
  AND (:country = '*' OR country = :country)
GROUP BY 1
ORDER BY 1;
