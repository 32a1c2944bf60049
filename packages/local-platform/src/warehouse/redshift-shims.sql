-- Redshift functions the warehouse SQL uses that PostgreSQL lacks, defined locally only (never deployed).
-- GETDATE(): Redshift's current UTC time without zone, fixed for the transaction like a COPY's DEFAULT.
CREATE OR REPLACE FUNCTION public.getdate() RETURNS TIMESTAMP
  LANGUAGE sql STABLE
  AS 'SELECT CAST(transaction_timestamp() AT TIME ZONE ''UTC'' AS TIMESTAMP)';
