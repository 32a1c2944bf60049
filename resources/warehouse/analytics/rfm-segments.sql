-- Customers and revenue per RFM segment over the range: the scoring of retail.rfm_segments and its segments
-- (retail.rfm_segment_rules, 0050-analytics.sql), with recency measured to the day after the range's last invoice.
-- From the invoices' totals (0060-invoice-totals.sql).
SELECT
  segment,
  COUNT(*) AS customers,
  SUM(monetary) AS revenue
FROM (
  SELECT
    scored.monetary,
    rules.segment
  FROM (
    SELECT
      monetary,
      NTILE(5) OVER (ORDER BY recency_days DESC, customer_id) AS recency_score,
      NTILE(5) OVER (ORDER BY frequency, customer_id) AS frequency_score
    FROM (
      SELECT
        lines.customer_id,
        reference.last_day - CAST(MAX(lines.invoice_date) AS DATE) + 1 AS recency_days,
        COUNT(DISTINCT CASE WHEN lines.invoice_kind = 'sale' THEN lines.invoice_no END) AS frequency,
        SUM(lines.revenue) AS monetary
      FROM retail.invoice_summary lines
      CROSS JOIN (
        SELECT CAST(MAX(invoice_date) AS DATE) AS last_day
        FROM retail.invoice_summary
        WHERE invoice_date >= CAST(:date_from AS DATE)
          AND invoice_date < CAST(:date_to AS DATE) + 1
          AND (:country = '*' OR country = :country)
      ) reference
      WHERE lines.customer_id IS NOT NULL
        AND lines.invoice_date >= CAST(:date_from AS DATE)
        AND lines.invoice_date < CAST(:date_to AS DATE) + 1
        AND (:country = '*' OR lines.country = :country)
      GROUP BY lines.customer_id, reference.last_day
    ) measured
    WHERE frequency > 0
  ) scored
  JOIN retail.rfm_segment_rules rules
    ON rules.recency_score = scored.recency_score AND rules.frequency_score = scored.frequency_score
) segmented
GROUP BY segment
ORDER BY customers DESC, segment;
