-- What `npm run reconcile` reads of the warehouse (packages/cli/src/reconcile/reconcile-warehouse.ts), through the
-- Redshift Data API, one statement per call, in this order. DECIMAL comes back as exact text.

-- 1. Every fact row's identity and amount: lines by line id, customers and revenue are counted from these.
SELECT line_id, invoice_no, customer_id, line_total
FROM retail.fact_invoice_line;

-- 2. Each invoice's line count and total as the warehouse sums them (what the analytic views add up).
SELECT invoice_no, COUNT(*) AS line_count, SUM(line_total) AS total
FROM retail.fact_invoice_line
GROUP BY invoice_no;

-- 3. Rows in the landing table, copies included: information only (the merge counts each line once).
SELECT COUNT(*) AS landed_rows
FROM retail.invoice_line_landing;
