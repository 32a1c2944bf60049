-- The headline figures of the lines in the range and country.
SELECT
  SUM(line_total) AS revenue,
  COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END) AS invoices,
  COUNT(DISTINCT customer_id) AS customers,
  CAST(SUM(CASE WHEN invoice_kind = 'sale' THEN line_total ELSE 0 END) AS DOUBLE PRECISION)
    / NULLIF(COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END), 0) AS average_order_value,
  SUM(CASE WHEN invoice_kind = 'sale' THEN quantity ELSE 0 END) AS units,
  CAST(COUNT(DISTINCT CASE WHEN is_cancellation THEN invoice_no END) AS DOUBLE PRECISION)
    / NULLIF(COUNT(DISTINCT CASE WHEN invoice_kind <> 'adjustment' THEN invoice_no END), 0) AS cancellation_rate
FROM retail.fact_invoice_line
WHERE invoice_date >= CAST(:date_from AS DATE)
  AND invoice_date < CAST(:date_to AS DATE) + 1
  AND (:country = '*' OR country = :country);
