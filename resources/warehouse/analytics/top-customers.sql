-- The 10 known customers with the most net revenue; ties by customer id. From the invoices' totals
-- (0060-invoice-totals.sql).
SELECT
  customer_id,
  SUM(revenue) AS revenue,
  COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END) AS invoices,
  CAST(SUM(lines) AS BIGINT) AS lines
FROM retail.invoice_summary
WHERE customer_id IS NOT NULL
  AND invoice_date >= CAST(:date_from AS DATE)
  AND invoice_date < CAST(:date_to AS DATE) + 1
  AND (:country = '*' OR country = :country)
GROUP BY customer_id
ORDER BY revenue DESC, customer_id
LIMIT 10;
