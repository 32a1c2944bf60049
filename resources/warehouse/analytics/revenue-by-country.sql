-- Net revenue by country, largest first, with each country's share of the whole, from the invoices' totals
-- (0060-invoice-totals.sql).
SELECT
  country,
  SUM(revenue) AS revenue,
  COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END) AS invoices,
  COUNT(DISTINCT customer_id) AS customers,
  CAST(SUM(revenue) AS DOUBLE PRECISION)
    / NULLIF(CAST(SUM(SUM(revenue)) OVER () AS DOUBLE PRECISION), 0) AS revenue_share
FROM retail.invoice_summary
WHERE invoice_date >= CAST(:date_from AS DATE)
  AND invoice_date < CAST(:date_to AS DATE) + 1
  AND (:country = '*' OR country = :country)
GROUP BY country
ORDER BY revenue DESC, country;
