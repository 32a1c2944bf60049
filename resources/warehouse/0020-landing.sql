-- Append-only landing table: the Firehose COPY target and the Glue job's target. Rows arrive at least once
-- (retries, replays, reloads); the merge (merge-landing.sql) makes each line_id count once in the fact table.
-- Nothing updates or deletes here, so a COPY never conflicts with a running merge under serializable isolation.
-- Column order and names: landing-columns.yml (a test checks them). VARCHAR sizes are bytes, as Redshift counts
-- them: the ingest contract's character limit x 4 (UTF-8's widest character); the data set's longest values are
-- far shorter (description 35 characters / 36 bytes with `£`, stock code 12, country 20, invoice 7, customer 5).
CREATE TABLE IF NOT EXISTS retail.invoice_line_landing (
  line_id VARCHAR(64) NOT NULL,            -- <invoiceNo>:<lineNo> or <invoiceNo>:c-<16 hex>-<n>, ASCII
  invoice_no VARCHAR(7) NOT NULL,          -- 6 digits, optionally prefixed C or A
  line_no INTEGER,
  stock_code VARCHAR(256) NOT NULL,        -- 64 characters
  description VARCHAR(2000),               -- 500 characters
  quantity INTEGER NOT NULL,               -- |quantity| <= 10,000,000
  invoice_date TIMESTAMP NOT NULL,         -- UK wall-clock time, no zone, as the data set records it
  unit_price DECIMAL(18, 3) NOT NULL,      -- up to 3 decimals (0.001 for PADS)
  customer_id VARCHAR(12),                 -- 12 digits
  country VARCHAR(400) NOT NULL,           -- 100 characters
  line_total DECIMAL(18, 3) NOT NULL,      -- quantity x unit_price, exact
  invoice_kind VARCHAR(12) NOT NULL,       -- sale, cancellation, adjustment
  is_cancellation BOOLEAN NOT NULL,
  stock_code_kind VARCHAR(32) NOT NULL,    -- product, postage, ... (packages/domain/src/stock-code.ts)
  is_product BOOLEAN NOT NULL,
  loaded_at TIMESTAMP NOT NULL DEFAULT GETDATE()  -- the loading transaction's time (UTC)
)
/*@redshift DISTSTYLE EVEN SORTKEY (loaded_at) */;

-- PostgreSQL only: the merge reads the landing table by loaded_at (merge-landing.sql), which Redshift's SORTKEY
-- (loaded_at) answers from the sorted blocks; without this index PostgreSQL scans every landed row at every merge.
/*@postgresql
CREATE INDEX IF NOT EXISTS invoice_line_landing_loaded_at ON retail.invoice_line_landing (loaded_at);
*/
