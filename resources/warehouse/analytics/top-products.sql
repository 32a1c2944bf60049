-- The 10 products (no postage, fees or manual lines) with the most net revenue; ties by stock code.
SELECT
  sold.stock_code,
  product.description,
  sold.revenue,
  sold.quantity,
  sold.invoices
FROM (
  SELECT
    stock_code,
    SUM(line_total) AS revenue,
    SUM(quantity) AS quantity,
    COUNT(DISTINCT invoice_no) AS invoices
  FROM retail.fact_invoice_line
  WHERE is_product
    AND invoice_date >= CAST(:date_from AS DATE)
    AND invoice_date < CAST(:date_to AS DATE) + 1
    AND (:country = '*' OR country = :country)
  GROUP BY stock_code
) sold
JOIN retail.dim_product product ON product.stock_code = sold.stock_code
ORDER BY sold.revenue DESC, sold.stock_code
LIMIT 10;
