-- One row per invoice line (line_id), filled only by merge-landing.sql. The data set's exact duplicate rows are
-- real lines with distinct line ids: both are kept. Sizes as in 0020-landing.sql.
CREATE TABLE IF NOT EXISTS retail.fact_invoice_line (
  line_id VARCHAR(64) NOT NULL,
  invoice_no VARCHAR(7) NOT NULL,
  line_no INTEGER,
  stock_code VARCHAR(256) NOT NULL,
  description VARCHAR(2000),
  quantity INTEGER NOT NULL,
  invoice_date TIMESTAMP NOT NULL,
  unit_price DECIMAL(18, 3) NOT NULL,
  customer_id VARCHAR(12),
  country VARCHAR(400) NOT NULL,
  line_total DECIMAL(18, 3) NOT NULL,
  invoice_kind VARCHAR(12) NOT NULL,
  is_cancellation BOOLEAN NOT NULL,
  stock_code_kind VARCHAR(32) NOT NULL,
  is_product BOOLEAN NOT NULL,
  first_loaded_at TIMESTAMP NOT NULL,      -- when the line first reached the landing table
  last_loaded_at TIMESTAMP NOT NULL,       -- the loaded_at of the copy merged last: older copies, and copies with the same values, are skipped
  merged_at TIMESTAMP NOT NULL,            -- the last merge that wrote it
  PRIMARY KEY (line_id)                    -- enforced by PostgreSQL; on Redshift informational, the merge keeps it
)
/*@redshift DISTKEY (invoice_no) SORTKEY (invoice_date) */;

-- PostgreSQL only: the merge computes the precomputed tables again for the days it changed (0060, 0070), reading
-- their lines by day; Redshift reads the one column it needs, sorted by invoice_date, where PostgreSQL would read
-- every row.
/*@postgresql
CREATE INDEX IF NOT EXISTS fact_invoice_line_invoice_day ON retail.fact_invoice_line ((CAST(invoice_date AS DATE)));
*/

-- How far the merge has read the landing table (one row per landing table): merged_through is the latest loaded_at it
-- has read, merged_at when it last changed the fact table.
CREATE TABLE IF NOT EXISTS retail.merge_watermark (
  landing_table VARCHAR(128) NOT NULL,
  merged_through TIMESTAMP NOT NULL,       -- the latest loaded_at read so far
  merged_at TIMESTAMP NOT NULL,
  PRIMARY KEY (landing_table)
)
/*@redshift DISTSTYLE ALL */;

INSERT INTO retail.merge_watermark (landing_table, merged_through, merged_at)
SELECT 'retail.invoice_line_landing', CAST('1970-01-01 00:00:00' AS TIMESTAMP), GETDATE()
WHERE NOT EXISTS (SELECT 1 FROM retail.merge_watermark WHERE landing_table = 'retail.invoice_line_landing');

-- Rows of earlier versions (the refresh of materialized views this version no longer has) go.
DELETE FROM retail.merge_watermark WHERE landing_table IN ('retail.precomputed', 'retail.merge_run');

-- The loads of the landing table the merge has read (the rows of one COPY share its loaded_at), with the rows each
-- held then: a merge reads only loads that are new or have grown since. Loads older than the merge's window go.
CREATE TABLE IF NOT EXISTS retail.merged_load (
  loaded_at TIMESTAMP NOT NULL,
  landed_rows BIGINT NOT NULL,
  PRIMARY KEY (loaded_at)
)
/*@redshift DISTSTYLE ALL SORTKEY (loaded_at) */;
