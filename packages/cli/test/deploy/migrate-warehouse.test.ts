import { MERGE_LANDING_FILE, readWarehouseFile } from '@retail/adapters';
import { biRoleStatements, readWarehouseBiRole, WAREHOUSE_SQL_DIR } from '@retail/local-platform';
import {
  loaderStatements,
  mergeProcedureStatement,
  mergeRunnerStatements,
  glueBatchStatements,
} from '../../src/deploy/migrate-warehouse';

describe('the warehouse migration run by the deploy', () => {
  it('creates the loader once, then only resets its password, and grants it INSERT on the landing table alone', () => {
    expect(loaderStatements('firehose_loader', "pa'ss", false)).toEqual([
      "CREATE USER firehose_loader PASSWORD 'pa''ss'",
      'GRANT USAGE ON SCHEMA retail TO firehose_loader',
      'GRANT INSERT ON retail.invoice_line_landing TO firehose_loader',
    ]);
    expect(loaderStatements('firehose_loader', 'x', true)[0]).toBe("ALTER USER firehose_loader PASSWORD 'x'");
    expect(() => loaderStatements('drop table', 'x', false)).toThrow(/no Redshift user name/);
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

  it('wraps the merge file, as Redshift runs it, in the procedure the schedule calls', async () => {
    const merge = await readWarehouseFile(WAREHOUSE_SQL_DIR, MERGE_LANDING_FILE, 'redshift');
    const procedure = mergeProcedureStatement(merge.sql);
    expect(procedure).toMatch(/^CREATE OR REPLACE PROCEDURE retail\.merge_landing\(\) AS \$\$\nBEGIN\n/);
    expect(procedure).toMatch(/MERGE INTO retail\.fact_invoice_line/);
    expect(procedure).toMatch(/\nEND;\n\$\$ LANGUAGE plpgsql SECURITY DEFINER$/);
    expect(mergeRunnerStatements('merge_runner', 'x', false)).toEqual([
      "CREATE USER merge_runner PASSWORD 'x'",
      'GRANT USAGE ON SCHEMA retail TO merge_runner',
      'REVOKE EXECUTE ON PROCEDURE retail.merge_landing() FROM PUBLIC',
      'GRANT EXECUTE ON PROCEDURE retail.merge_landing() TO merge_runner',
    ]);
  });

  it("grants the Glue job's user the landing table and what the merge reads and writes, nothing more", () => {
    expect(glueBatchStatements('glue_batch', 'x', false)).toEqual([
      "CREATE USER glue_batch PASSWORD 'x'",
      'GRANT USAGE ON SCHEMA retail TO glue_batch',
      'GRANT SELECT, INSERT ON retail.invoice_line_landing TO glue_batch',
      'GRANT SELECT, INSERT, UPDATE ON retail.fact_invoice_line TO glue_batch',
      'GRANT SELECT, UPDATE ON retail.merge_watermark TO glue_batch',
      'GRANT TEMP ON DATABASE retail TO glue_batch',
    ]);
    expect(() => glueBatchStatements('glue batch', 'x', false)).toThrow(/no Redshift user name/);
  });
});
