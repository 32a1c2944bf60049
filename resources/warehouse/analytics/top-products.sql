-- The 10 products (no postage, fees or manual lines) with the most net revenue; ties by stock code. From the
-- products' daily totals and their descriptions (0070-product-totals.sql).
SELECT
  sold.stock_code,
  product.description,
  sold.revenue,
  sold.quantity,
  sold.invoices
FROM (
  SELECT
    stock_code,
    SUM(revenue) AS revenue,
    CAST(SUM(quantity) AS BIGINT) AS quantity,
    CAST(SUM(invoices) AS BIGINT) AS invoices
  FROM retail.product_day_summary
  WHERE invoice_day >= CAST(:date_from AS DATE)
    AND invoice_day < CAST(:date_to AS DATE) + 1
    AND (:country = '*' OR country = :country)
  GROUP BY stock_code
) sold
JOIN retail.product_descriptions product ON product.stock_code = sold.stock_code
ORDER BY sold.revenue DESC, sold.stock_code
LIMIT 10;
