-- Merges landed rows into the fact table so that at-least-once delivery, replays, reloads and reruns count
-- each line_id once. Installed as retail.merge_landing_batch() (packages/adapters/src/warehouse-migration.ts): its
-- statements run in one transaction, committed before refresh-precomputed.sql runs.
-- Each merge reads the loads it has not read whole (a load: the rows of one COPY, which share its loaded_at), so
-- it costs what arrived since the last one. It looks for them an hour before the watermark: loaded_at is when a
-- COPY began, and a long COPY can commit after a merge that already saw later loads.

-- Merges wait for each other (the schedule's, a batch run's, a refresh): two overlapping writers of the fact table
-- and the watermark would have one of them aborted on Redshift (error 1023 under serializable isolation; Serverless
-- defaults to snapshot isolation, where two writers of the same watermark row conflict too) and collide on line_id
-- in PostgreSQL. Redshift's LOCK page: it "obtains a table-level lock in ACCESS EXCLUSIVE mode, waiting if
-- necessary for any conflicting locks to be released"; PostgreSQL's LOCK without a mode is ACCESS EXCLUSIVE too.
LOCK retail.merge_watermark;

-- When this merge began: retail.refresh_precomputed() tells from it whether the merge changed the fact table.
UPDATE retail.merge_watermark
SET merged_through = GETDATE(), merged_at = GETDATE()
WHERE landing_table = 'retail.merge_run';

DROP TABLE IF EXISTS merge_loads;

DROP TABLE IF EXISTS merge_batch;

-- The loads of the hour's window this merge reads: those no merge has read, and those holding more rows than when
-- one did. Redshift's GETDATE() has whole seconds ("the start date or time of the current statement"): two COPYs that
-- begin in the same second share a loaded_at, and the one that commits later makes its load grow.
CREATE TEMP TABLE merge_loads AS
SELECT landed.loaded_at, landed.landed_rows
FROM (
  SELECT landing.loaded_at, COUNT(*) AS landed_rows
  FROM retail.invoice_line_landing landing
  JOIN retail.merge_watermark watermark ON watermark.landing_table = 'retail.invoice_line_landing'
  WHERE landing.loaded_at >= watermark.merged_through - INTERVAL '1 hour'
  GROUP BY landing.loaded_at
) landed
LEFT JOIN retail.merged_load merged ON merged.loaded_at = landed.loaded_at
WHERE merged.loaded_at IS NULL OR merged.landed_rows <> landed.landed_rows;

-- The latest copy of each line in those loads, among the copies newer than the one already merged, unless the fact
-- table already holds its values: copies of one line_id carry the same event, so a replay, a reload or a rerun of the
-- batch job writes nothing (a full reload of the data set merged 541,909 unchanged lines in 14.6 s).
CREATE TEMP TABLE merge_batch AS
SELECT line_id, invoice_no, line_no, stock_code, description, quantity, invoice_date, unit_price, customer_id,
  country, line_total, invoice_kind, is_cancellation, stock_code_kind, is_product, loaded_at
FROM (
  SELECT landing.*, ROW_NUMBER() OVER (PARTITION BY landing.line_id ORDER BY landing.loaded_at DESC) AS copy_rank
  FROM retail.invoice_line_landing landing
  JOIN merge_loads ON merge_loads.loaded_at = landing.loaded_at
  WHERE NOT EXISTS (
      SELECT 1 FROM retail.fact_invoice_line merged
      WHERE merged.line_id = landing.line_id AND merged.last_loaded_at >= landing.loaded_at
    )
) latest
WHERE copy_rank = 1
  AND NOT EXISTS (
    SELECT 1 FROM retail.fact_invoice_line merged
    WHERE merged.line_id = latest.line_id
      AND merged.invoice_no = latest.invoice_no
      AND (merged.line_no = latest.line_no OR (merged.line_no IS NULL AND latest.line_no IS NULL))
      AND merged.stock_code = latest.stock_code
      AND (merged.description = latest.description OR (merged.description IS NULL AND latest.description IS NULL))
      AND merged.quantity = latest.quantity
      AND merged.invoice_date = latest.invoice_date
      AND merged.unit_price = latest.unit_price
      AND (merged.customer_id = latest.customer_id OR (merged.customer_id IS NULL AND latest.customer_id IS NULL))
      AND merged.country = latest.country
      AND merged.line_total = latest.line_total
      AND merged.invoice_kind = latest.invoice_kind
      AND merged.is_cancellation = latest.is_cancellation
      AND merged.stock_code_kind = latest.stock_code_kind
      AND merged.is_product = latest.is_product
  );

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

-- When the merge last changed the fact table: retail.refresh_precomputed() refreshes only after a change.
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

DROP TABLE merge_batch;

DROP TABLE merge_loads;
