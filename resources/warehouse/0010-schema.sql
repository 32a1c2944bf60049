-- The warehouse's one schema. Every file here runs unchanged on Redshift and PostgreSQL 18, at every deploy and
-- every `npm start`: each statement is idempotent (IF NOT EXISTS, CREATE OR REPLACE VIEW, guarded INSERT).
CREATE SCHEMA IF NOT EXISTS retail;
