-- Fills the precomputed views (0060-invoice-totals.sql) again from the fact table. Run by the merge's owner right after
-- merge-landing.sql, in its transaction: locally after each merge, on AWS inside retail.merge_landing() (only a
-- materialized view's owner may refresh it, so the Glue job's own merge leaves this to the next scheduled one).
REFRESH MATERIALIZED VIEW retail.invoice_totals;
