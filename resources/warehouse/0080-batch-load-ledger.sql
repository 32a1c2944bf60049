-- The batch load's ledger (resources/glue/load-raw-to-warehouse.py): one row per raw-archive object a run handled.
-- A loaded object's row is written by the same transaction as the COPY that loaded it, so the ledger and the landing
-- table agree whatever kills a run: a later run loads exactly the objects the ledger lacks. It replaces Glue's job
-- bookmarks, which Python shell jobs do not have. An object the COPY refused gets a 'failed' row with the reason
-- (file, line, column, as stl_load_errors gives it): it is reported once and not retried until it is written again
-- (another ETag) or a run reloads everything (npm run batch -- --full). Append-only, like the landing table.
CREATE TABLE IF NOT EXISTS retail.batch_load_ledger (
  object_url VARCHAR(1024) NOT NULL,       -- s3://<raw bucket>/invoice-lines/year=/month=/day=/<object>
  object_etag VARCHAR(128) NOT NULL,       -- the object's ETag when the run listed it
  object_bytes BIGINT NOT NULL,
  status VARCHAR(8) NOT NULL,              -- loaded | failed
  problem VARCHAR(4000),                   -- why a failed object was not loaded; NULL when loaded
  job_run_id VARCHAR(256) NOT NULL,        -- the Glue job run (jr_...) that wrote the row
  recorded_at TIMESTAMP NOT NULL DEFAULT GETDATE()
)
/*@redshift DISTSTYLE EVEN SORTKEY (recorded_at) */;
