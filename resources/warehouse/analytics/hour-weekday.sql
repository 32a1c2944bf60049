-- When orders come in: sale invoices and revenue by weekday (0 Sunday) and hour of the UK wall clock, from the
-- invoices' totals (0060-invoice-totals.sql), which keep each invoice's timestamp.
SELECT
  CAST(EXTRACT(DOW FROM invoice_date) AS INTEGER) AS day_of_week,
  CAST(EXTRACT(HOUR FROM invoice_date) AS INTEGER) AS hour_of_day,
  COUNT(DISTINCT invoice_no) AS invoices,
  SUM(revenue) AS revenue
FROM retail.invoice_summary
WHERE invoice_kind = 'sale'
  AND invoice_date >= CAST(:date_from AS DATE)
  AND invoice_date < CAST(:date_to AS DATE) + 1
  AND (:country = '*' OR country = :country)
GROUP BY 1, 2
ORDER BY 1, 2;
