-- The headline figures of the lines in the range and country, from their invoices' totals (0060-invoice-totals.sql).
SELECT
  SUM(revenue) AS revenue,
  COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END) AS invoices,
  COUNT(DISTINCT customer_id) AS customers,
  CAST(SUM(CASE WHEN invoice_kind = 'sale' THEN revenue ELSE 0 END) AS DOUBLE PRECISION)
    / NULLIF(COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END), 0) AS average_order_value,
  CAST(SUM(CASE WHEN invoice_kind = 'sale' THEN units ELSE 0 END) AS BIGINT) AS units,
  CAST(COUNT(DISTINCT CASE WHEN is_cancellation THEN invoice_no END) AS DOUBLE PRECISION)
    / NULLIF(COUNT(DISTINCT CASE WHEN invoice_kind <> 'adjustment' THEN invoice_no END), 0) AS cancellation_rate
FROM retail.invoice_summary
WHERE invoice_date >= CAST(:date_from AS DATE)
  AND invoice_date < CAST(:date_to AS DATE) + 1
  AND (:country = '*' OR country = :country);
