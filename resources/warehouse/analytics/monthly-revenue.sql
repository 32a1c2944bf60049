-- Net revenue, sale invoices and customers by calendar month.
SELECT
  TO_CHAR(invoice_date, 'YYYY-MM') AS year_month,
  SUM(line_total) AS revenue,
  COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END) AS invoices,
  COUNT(DISTINCT customer_id) AS customers
FROM retail.fact_invoice_line
WHERE invoice_date >= CAST(:date_from AS DATE)
  AND invoice_date < CAST(:date_to AS DATE) + 1
  AND (:country = '*' OR country = :country)
GROUP BY 1
ORDER BY 1;
