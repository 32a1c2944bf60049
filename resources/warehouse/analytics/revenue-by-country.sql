-- Net revenue by country, largest first, with each country's share of the whole.
SELECT
  country,
  SUM(line_total) AS revenue,
  COUNT(DISTINCT CASE WHEN invoice_kind = 'sale' THEN invoice_no END) AS invoices,
  COUNT(DISTINCT customer_id) AS customers,
  CAST(SUM(line_total) AS DOUBLE PRECISION)
    / NULLIF(CAST(SUM(SUM(line_total)) OVER () AS DOUBLE PRECISION), 0) AS revenue_share
FROM retail.fact_invoice_line
WHERE invoice_date >= CAST(:date_from AS DATE)
  AND invoice_date < CAST(:date_to AS DATE) + 1
  AND (:country = '*' OR country = :country)
GROUP BY country
ORDER BY revenue DESC, country;
