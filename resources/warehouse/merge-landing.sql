-- Merges landed rows into the fact table so that at-least-once delivery, replays, reloads and reruns count
-- each line_id once, and keeps the dashboard's precomputed tables (0060-invoice-totals.sql, 0070-product-totals.sql)
-- for what it changed. Installed as retail.merge_landing() (packages/adapters/src/warehouse-migration.ts): its
-- statements run in one transaction.
-- Each merge reads the loads it has not read whole (a load: the rows of one COPY, which share its loaded_at), so
-- it costs what arrived since the last one. It looks for them an hour before the watermark: loaded_at is when a
-- COPY began, and a long COPY can commit after a merge that already saw later loads.

-- Merges wait for each other (the schedule's, a batch run's, the migration's refill): two overlapping writers of the
-- fact table and the watermark would have one of them aborted on Redshift (error 1023 under serializable isolation;
-- Serverless defaults to snapshot isolation, where two writers of the same watermark row conflict too) and collide on
-- line_id in PostgreSQL. Redshift's LOCK page: it "obtains a table-level lock in ACCESS EXCLUSIVE mode, waiting if
-- necessary for any conflicting locks to be released"; PostgreSQL's LOCK without a mode is ACCESS EXCLUSIVE too.
LOCK retail.merge_watermark;

DROP TABLE IF EXISTS merge_loads;

DROP TABLE IF EXISTS merge_batch;

DROP TABLE IF EXISTS merge_copies;

DROP TABLE IF EXISTS merge_days;

DROP TABLE IF EXISTS merge_descriptions;

-- The loads of the hour's window this merge reads: those no merge has read, and those holding more rows than when
-- one did. Redshift's GETDATE() has whole seconds ("the start date or time of the current statement"): two COPYs that
-- begin in the same second share a loaded_at, and the one that commits later makes its load grow.
CREATE TEMP TABLE merge_loads AS
SELECT landed.loaded_at, landed.landed_rows
FROM (
  SELECT landing.loaded_at, COUNT(*) AS landed_rows
  FROM retail.invoice_line_landing landing
  WHERE landing.loaded_at >= (
      SELECT merged_through - INTERVAL '1 hour' FROM retail.merge_watermark
      WHERE landing_table = 'retail.invoice_line_landing'
    )
  GROUP BY landing.loaded_at
) landed
LEFT JOIN retail.merged_load merged ON merged.loaded_at = landed.loaded_at
WHERE merged.loaded_at IS NULL OR merged.landed_rows <> landed.landed_rows;

-- PostgreSQL only: a temporary table has no statistics until analysed, and a plan made without them reads every
-- landed row rather than those of these few loads (Redshift analyses on its own).
/*@postgresql
ANALYZE merge_loads;
*/

-- The latest copy of each line in those loads, unless the fact table already holds it or its values: copies of one
-- line_id carry the same event, so a replay, a reload or a rerun of the batch job writes nothing. The copies the fact
-- table holds go first, in one join with it (a full reload of the data set is 541,909 of them: ranking them all first
-- took 7.8 s of an 8.8 s merge); a copy that remains is taken only if no later copy of its line arrived in these
-- loads (below), so an older copy never wins over a later one the fact table already holds. merged_invoice_date is
-- the line's invoice date in the fact table before this merge (NULL for a new line).
CREATE TEMP TABLE merge_batch AS
SELECT line_id, invoice_no, line_no, stock_code, description, quantity, invoice_date, unit_price, customer_id,
  country, line_total, invoice_kind, is_cancellation, stock_code_kind, is_product, loaded_at, merged_invoice_date
FROM (
  SELECT
    landing.*,
    merged.invoice_date AS merged_invoice_date,
    ROW_NUMBER() OVER (PARTITION BY landing.line_id ORDER BY landing.loaded_at DESC) AS copy_rank
  FROM retail.invoice_line_landing landing
  JOIN merge_loads ON merge_loads.loaded_at = landing.loaded_at
  LEFT JOIN retail.fact_invoice_line merged ON merged.line_id = landing.line_id
  WHERE merged.line_id IS NULL
    OR (
      merged.last_loaded_at < landing.loaded_at
      -- NULL (one side NULL, the other not) counts as a difference.
      AND CASE
        WHEN merged.invoice_no = landing.invoice_no
          AND (merged.line_no = landing.line_no OR (merged.line_no IS NULL AND landing.line_no IS NULL))
          AND merged.stock_code = landing.stock_code
          AND (merged.description = landing.description OR (merged.description IS NULL AND landing.description IS NULL))
          AND merged.quantity = landing.quantity
          AND merged.invoice_date = landing.invoice_date
          AND merged.unit_price = landing.unit_price
          AND (merged.customer_id = landing.customer_id OR (merged.customer_id IS NULL AND landing.customer_id IS NULL))
          AND merged.country = landing.country
          AND merged.line_total = landing.line_total
          AND merged.invoice_kind = landing.invoice_kind
          AND merged.is_cancellation = landing.is_cancellation
          AND merged.stock_code_kind = landing.stock_code_kind
          AND merged.is_product = landing.is_product
        THEN FALSE ELSE TRUE END
    )
) latest
WHERE copy_rank = 1;

-- The lines with more than one copy in those loads, and the latest load time of each: a copy in the batch that has a
-- later one leaves it. A stream's merge has few such lines, a reload or a rebuild none. Not looked for when the batch
-- is empty (a reload of what the fact table holds): grouping its 541,909 copies by line took 1.1 s of such a merge.
CREATE TEMP TABLE merge_copies AS
SELECT landing.line_id, MAX(landing.loaded_at) AS latest_loaded_at
FROM retail.invoice_line_landing landing
JOIN merge_loads ON merge_loads.loaded_at = landing.loaded_at
WHERE EXISTS (SELECT 1 FROM merge_batch)
GROUP BY landing.line_id
HAVING COUNT(*) > 1;

-- Two temporary tables, which PostgreSQL sizes from their pages: a join of the landing table by load time against the
-- batch was planned, before the landing table had statistics, as a nested loop that read a load's every copy once
-- per line of the batch (one merge took 49 s in bench:pipeline).
DELETE FROM merge_batch
USING merge_copies
WHERE merge_copies.line_id = merge_batch.line_id AND merge_copies.latest_loaded_at > merge_batch.loaded_at;

-- merge_batch is not analysed: PostgreSQL sizes a temporary table without statistics from its pages, which is all the
-- plans below need. Measured on a batch of 10,422 lines at half the data set: ANALYZE took 114 ms, and with its
-- statistics the MERGE read the whole fact table (266 ms) where without them it looks each line up (168 ms).

-- The invoice days whose precomputed rows change: those of the lines in the batch, with the values they have now and
-- the values they had (a changed line may leave a day). Empty when the batch is.
CREATE TEMP TABLE merge_days AS
SELECT MIN(invoice_day) AS first_day, MAX(invoice_day) AS last_day
FROM (
  SELECT CAST(invoice_date AS DATE) AS invoice_day FROM merge_batch
  UNION ALL
  SELECT CAST(merged_invoice_date AS DATE) FROM merge_batch WHERE merged_invoice_date IS NOT NULL
) changed
HAVING COUNT(*) > 0;

MERGE INTO retail.fact_invoice_line
USING merge_batch
ON fact_invoice_line.line_id = merge_batch.line_id
WHEN MATCHED THEN UPDATE SET
  invoice_no = merge_batch.invoice_no,
  line_no = merge_batch.line_no,
  stock_code = merge_batch.stock_code,
  description = merge_batch.description,
  quantity = merge_batch.quantity,
  invoice_date = merge_batch.invoice_date,
  unit_price = merge_batch.unit_price,
  customer_id = merge_batch.customer_id,
  country = merge_batch.country,
  line_total = merge_batch.line_total,
  invoice_kind = merge_batch.invoice_kind,
  is_cancellation = merge_batch.is_cancellation,
  stock_code_kind = merge_batch.stock_code_kind,
  is_product = merge_batch.is_product,
  last_loaded_at = merge_batch.loaded_at,
  merged_at = GETDATE()
WHEN NOT MATCHED THEN INSERT (
  line_id, invoice_no, line_no, stock_code, description, quantity, invoice_date, unit_price, customer_id, country,
  line_total, invoice_kind, is_cancellation, stock_code_kind, is_product, first_loaded_at, last_loaded_at, merged_at
) VALUES (
  merge_batch.line_id, merge_batch.invoice_no, merge_batch.line_no, merge_batch.stock_code, merge_batch.description,
  merge_batch.quantity, merge_batch.invoice_date, merge_batch.unit_price, merge_batch.customer_id,
  merge_batch.country, merge_batch.line_total, merge_batch.invoice_kind, merge_batch.is_cancellation,
  merge_batch.stock_code_kind, merge_batch.is_product, merge_batch.loaded_at, merge_batch.loaded_at, GETDATE()
);

-- The precomputed rows of those days, computed again from the lines: every day from the first to the last changed (a
-- load streams in invoice order, so that is a day or two; a rebuild of the whole warehouse is every day once).
DELETE FROM retail.invoice_summary
USING merge_days
WHERE CAST(invoice_summary.invoice_date AS DATE) BETWEEN merge_days.first_day AND merge_days.last_day;

INSERT INTO retail.invoice_summary (
  invoice_no, invoice_date, country, customer_id, invoice_kind, is_cancellation, revenue, units, lines
)
SELECT invoice_no, invoice_date, country, customer_id, invoice_kind, is_cancellation, revenue, units, lines
FROM retail.invoice_summary_from_lines
WHERE CAST(invoice_date AS DATE) BETWEEN (SELECT first_day FROM merge_days) AND (SELECT last_day FROM merge_days);

DELETE FROM retail.product_day_summary
USING merge_days
WHERE product_day_summary.invoice_day BETWEEN merge_days.first_day AND merge_days.last_day;

INSERT INTO retail.product_day_summary (stock_code, invoice_day, country, revenue, quantity, invoices)
SELECT stock_code, invoice_day, country, revenue, quantity, invoices
FROM retail.product_day_summary_from_lines
WHERE invoice_day BETWEEN (SELECT first_day FROM merge_days) AND (SELECT last_day FROM merge_days);

-- A stock code's description: the best of the one it has and the batch's lines, ranked as dim_product ranks them
-- (0040-dimensions.sql), since every other line of the stock code ranks below the one it has. Where that one's line
-- is in the batch (its values changed), every line of the stock code is ranked again.
CREATE TEMP TABLE merge_descriptions AS
SELECT stock_code, description, described_at, description_line_id
FROM (
  SELECT
    candidate.*,
    ROW_NUMBER() OVER (
      PARTITION BY candidate.stock_code
      ORDER BY CASE WHEN candidate.description IS NULL THEN 1 ELSE 0 END, candidate.described_at DESC,
        candidate.description_line_id DESC
    ) AS description_rank
  FROM (
    SELECT stock_code, description, invoice_date AS described_at, line_id AS description_line_id FROM merge_batch
    UNION ALL
    SELECT kept.stock_code, kept.description, kept.described_at, kept.description_line_id
    FROM retail.product_descriptions kept
    WHERE kept.stock_code IN (SELECT stock_code FROM merge_batch)
      AND kept.description_line_id NOT IN (SELECT line_id FROM merge_batch)
    UNION ALL
    -- A stock code has one description and a line one row in the batch: each line of the stock code joins once.
    SELECT merged.stock_code, merged.description, merged.invoice_date, merged.line_id
    FROM merge_batch
    JOIN retail.product_descriptions kept ON kept.description_line_id = merge_batch.line_id
    JOIN retail.fact_invoice_line merged ON merged.stock_code = kept.stock_code
  ) candidate
) ranked
WHERE description_rank = 1;

-- Replaced, and gone where a changed line left a stock code without lines.
DELETE FROM retail.product_descriptions
WHERE stock_code IN (SELECT stock_code FROM merge_descriptions)
  OR description_line_id IN (SELECT line_id FROM merge_batch);

INSERT INTO retail.product_descriptions (stock_code, description, described_at, description_line_id)
SELECT stock_code, description, described_at, description_line_id FROM merge_descriptions;

-- When the merge last changed the fact table.
UPDATE retail.merge_watermark
SET merged_at = GETDATE()
WHERE landing_table = 'retail.invoice_line_landing'
  AND EXISTS (SELECT 1 FROM merge_batch);

-- The loads read, with the rows each held.
DELETE FROM retail.merged_load
USING merge_loads
WHERE merged_load.loaded_at = merge_loads.loaded_at;

INSERT INTO retail.merged_load (loaded_at, landed_rows)
SELECT loaded_at, landed_rows FROM merge_loads;

-- Every load up to the latest one read is now merged (a COPY still running commits its rows with its start as
-- loaded_at: the hour's window reads them next time).
UPDATE retail.merge_watermark
SET merged_through = latest_load.loaded_at
FROM (SELECT MAX(loaded_at) AS loaded_at FROM merge_loads) latest_load
WHERE merge_watermark.landing_table = 'retail.invoice_line_landing'
  AND latest_load.loaded_at > merge_watermark.merged_through;

-- Loads before the window are never looked for again.
DELETE FROM retail.merged_load
USING retail.merge_watermark watermark
WHERE watermark.landing_table = 'retail.invoice_line_landing'
  AND merged_load.loaded_at < watermark.merged_through - INTERVAL '1 hour';

DROP TABLE merge_descriptions;

DROP TABLE merge_days;

DROP TABLE merge_copies;

DROP TABLE merge_batch;

DROP TABLE merge_loads;
