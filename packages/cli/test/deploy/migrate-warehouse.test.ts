import {
  biRoleStatements,
  glueBatchStatements,
  loaderStatements,
  MERGE_LANDING_FILE,
  mergeProcedureStatement,
  mergeRunnerStatements,
  readWarehouseFile,
} from '@retail/adapters';
import { readWarehouseBiRole, WAREHOUSE_SQL_DIR } from '@retail/local-platform';

const login = (username: string, password = 'x') => ({ username, password });

describe('the warehouse migration run by the deploy and by npm start', () => {
  it('creates the loader once, then only resets its password, and grants it INSERT on the landing table alone', () => {
    expect(loaderStatements(login('firehose_loader', "pa'ss"), false)).toEqual([
      "CREATE USER firehose_loader PASSWORD 'pa''ss'",
      'GRANT USAGE ON SCHEMA retail TO firehose_loader',
      'GRANT INSERT ON retail.invoice_line_landing TO firehose_loader',
    ]);
    expect(loaderStatements(login('firehose_loader'), true)[0]).toBe("ALTER USER firehose_loader PASSWORD 'x'");
    expect(() => loaderStatements(login('drop table'), false)).toThrow(/no Redshift user name/);
  });

  it('gives the BI role of resources/names.yml USAGE and SELECT only, now and on tables added later', async () => {
    const role = await readWarehouseBiRole();
    expect(role).toBe('bi_read_only');
    expect(biRoleStatements('redshift', role, false)).toEqual([
      'CREATE ROLE bi_read_only',
      'GRANT USAGE ON SCHEMA retail TO ROLE bi_read_only',
      'GRANT SELECT ON ALL TABLES IN SCHEMA retail TO ROLE bi_read_only',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA retail GRANT SELECT ON TABLES TO ROLE bi_read_only',
    ]);
    expect(biRoleStatements('redshift', role, true)).not.toContain('CREATE ROLE bi_read_only');
  });

  it('grants the BI role on Redshift exactly what the local warehouse grants it (proven there by its BI login test)', async () => {
    const role = await readWarehouseBiRole();
    // PostgreSQL names a role grantee bare; Redshift says TO ROLE. Nothing else may differ.
    const asPostgres = biRoleStatements('redshift', role, false).map((sql) => sql.replace(/ TO ROLE /, ' TO '));
    expect(asPostgres).toEqual(biRoleStatements('postgresql', role, false));
  });

  it('installs the merge as one definer procedure that the schedule calls: the merge and the tables it keeps in one transaction', async () => {
    const merge = await readWarehouseFile(WAREHOUSE_SQL_DIR, MERGE_LANDING_FILE, 'redshift');
    const procedure = mergeProcedureStatement(merge.sql);
    expect(procedure).toMatch(
      /^CREATE OR REPLACE PROCEDURE retail\.merge_landing\(\) AS \$\$\nBEGIN\n  LOCK retail\.merge_watermark;\n/,
    );
    expect(procedure).toMatch(/MERGE INTO retail\.fact_invoice_line/);
    expect(procedure).toMatch(/INSERT INTO retail\.invoice_summary /);
    expect(procedure).toMatch(/\nEND;\n\$\$ LANGUAGE plpgsql SECURITY DEFINER$/);
    // Neither a COMMIT (not allowed in a definer procedure) nor a materialized view's refresh; Redshift's text leaves
    // the PostgreSQL-only ANALYZE out.
    expect(procedure).not.toMatch(/COMMIT|REFRESH|ANALYZE/);
    expect(mergeRunnerStatements(login('merge_runner'), false)).toEqual([
      "CREATE USER merge_runner PASSWORD 'x'",
      'GRANT USAGE ON SCHEMA retail TO merge_runner',
      'REVOKE EXECUTE ON PROCEDURE retail.merge_landing() FROM PUBLIC',
      'GRANT EXECUTE ON PROCEDURE retail.merge_landing() TO merge_runner',
    ]);
  });

  it("grants the Glue job's user what its script runs: COPY into the landing table, the ledger, the merge; nothing more", () => {
    const grants = [
      'GRANT USAGE ON SCHEMA retail TO glue_batch',
      'GRANT INSERT ON retail.invoice_line_landing TO glue_batch',
      'GRANT SELECT, INSERT ON retail.batch_load_ledger TO glue_batch',
      'GRANT EXECUTE ON PROCEDURE retail.merge_landing() TO glue_batch',
    ];
    expect(glueBatchStatements(login('glue_batch'), false)).toEqual(["CREATE USER glue_batch PASSWORD 'x'", ...grants]);
    // A stage deployed with the Spark job: its user loses the merge's tables and TEMP it held then.
    expect(glueBatchStatements(login('glue_batch'), true)).toEqual([
      "ALTER USER glue_batch PASSWORD 'x'",
      'REVOKE ALL ON retail.invoice_line_landing FROM glue_batch',
      'REVOKE ALL ON retail.fact_invoice_line FROM glue_batch',
      'REVOKE ALL ON retail.merge_watermark FROM glue_batch',
      'REVOKE TEMPORARY ON DATABASE retail FROM glue_batch',
      ...grants,
    ]);
    expect(() => glueBatchStatements(login('glue batch'), false)).toThrow(/no Redshift user name/);
  });
});
