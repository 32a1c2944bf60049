import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  checkRedshiftStatements,
  KNOWN_PARSER_GAPS,
  redshiftStatements,
  type RedshiftGrammarFinding,
} from '../src/redshift-grammar';
import {
  MERGE_LANDING_FILE,
  readWarehouseFile,
  readWarehouseSchema,
  REFRESH_PRECOMPUTED_FILE,
  splitSqlStatements,
  type WarehouseSqlFile,
} from '../src/warehouse-sql';

const WAREHOUSE_SQL_DIR = path.resolve(__dirname, '..', '..', '..', 'resources', 'warehouse');
const ANALYTICS_SQL_DIR = path.join(WAREHOUSE_SQL_DIR, 'analytics');

/** Every statement of resources/warehouse that goes to Redshift, with its `/*@redshift ... *\/` parts unwrapped. */
async function warehouseStatementsAsRedshiftRunsThem() {
  const files = [
    ...(await readWarehouseSchema(WAREHOUSE_SQL_DIR, 'redshift')),
    ...(await Promise.all(
      [MERGE_LANDING_FILE, REFRESH_PRECOMPUTED_FILE, 'reconcile-warehouse.sql'].map((name) =>
        readWarehouseFile(WAREHOUSE_SQL_DIR, name, 'redshift'),
      ),
    )),
  ];
  // The dashboard's queries, run through the Data API one statement a file.
  const analytics = await Promise.all(
    (await readdir(ANALYTICS_SQL_DIR))
      .filter((name) => name.endsWith('.sql'))
      .map((name) => readWarehouseFile(ANALYTICS_SQL_DIR, name, 'redshift')),
  );
  const statementsOf = (folder: string) => (file: WarehouseSqlFile) =>
    redshiftStatements(`${folder}/${file.name}`, splitSqlStatements(file.sql));
  return [
    ...files.flatMap(statementsOf('resources/warehouse')),
    ...analytics.flatMap(statementsOf('resources/warehouse/analytics')),
  ];
}

describe('checkRedshiftStatements', () => {
  it('takes every statement of resources/warehouse as Redshift gets it', async () => {
    const statements = await warehouseStatementsAsRedshiftRunsThem();
    expect(new Set(statements.map((statement) => statement.source.split(',')[0])).size).toBeGreaterThan(15);
    expect((await checkRedshiftStatements(statements)).map((finding) => finding.message)).toEqual([]);
  });

  describe('finds what Redshift refuses, with its source, statement and line', () => {
    // Each sample alone in its source, so that a finding tells which sample it came from.
    const samples: Record<string, { sql: string; problem: RegExp; line?: number }> = {
      'an identity column': {
        sql: 'CREATE TABLE retail.t (id BIGINT GENERATED ALWAYS AS IDENTITY, v INTEGER)',
        problem: /^GENERATED ALWAYS is PostgreSQL syntax Redshift refuses .*r_CREATE_TABLE_NEW\.html/,
      },
      'PostgreSQL 10 regexp_match': {
        sql: "SELECT invoice_no,\n  regexp_match(stock_code, '^[0-9]+') FROM retail.fact_invoice_line",
        problem: /^REGEXP_MATCH\(\) is not among the SQL functions Redshift documents .*: use REGEXP_SUBSTR/,
        line: 2,
      },
      FORMAT: {
        sql: "SELECT FORMAT('%s-%s', invoice_no, line_no) FROM retail.fact_invoice_line",
        problem: /^FORMAT\(\) is not among the SQL functions Redshift documents/,
        line: 1,
      },
      'INSERT ... RETURNING': {
        sql: "INSERT INTO retail.merge_watermark (landing_table) VALUES ('x') RETURNING merged_at",
        problem: /^RETURNING is PostgreSQL syntax Redshift refuses/,
        line: 1,
      },
      'DISTINCT ON': {
        sql: 'SELECT DISTINCT ON (line_id) line_id, loaded_at\nFROM retail.invoice_line_landing\nORDER BY line_id, loaded_at DESC',
        problem: /^DISTINCT ON is PostgreSQL syntax Redshift refuses/,
        line: 1,
      },
      'ON CONFLICT': {
        sql: "INSERT INTO retail.merge_watermark (landing_table) VALUES ('x') ON CONFLICT (landing_table) DO NOTHING",
        problem: /^ON CONFLICT is PostgreSQL syntax Redshift refuses .*: use MERGE/,
      },
      'a JSONB column': {
        sql: 'CREATE TABLE retail.t (line_id VARCHAR(64), event JSONB)',
        problem: /^JSONB is not a Redshift data type/,
      },
      'a typo': {
        sql: 'SELEC COUNT(*) FROM retail.fact_invoice_line',
        problem: /^the Redshift parser refuses it \(Expected: an SQL statement, found: SELEC/,
      },
      // A known parser gap is matched narrowly: a near miss is still refused.
      'a misspelt REFRESH': {
        sql: 'REFRESH MATERIALISED VIEW retail.invoice_totals',
        problem: /^the Redshift parser refuses it/,
      },
      // What a gap leaves to the parser is still checked: a materialized view's query, a procedure's body.
      "a materialized view's query": {
        sql: 'CREATE MATERIALIZED VIEW retail.m\nDISTKEY (a) AUTO REFRESH YES\nAS\nSELECT NOW() AS a FROM retail.t',
        problem: /^NOW\(\) is not among the SQL functions Redshift documents .*: use GETDATE\(\)/,
        line: 4,
      },
      "a procedure's body": {
        sql: 'CREATE OR REPLACE PROCEDURE retail.p() AS $$\nBEGIN\n  COMMIT;\n  SELECT GENERATE_SERIES(1, 3);\nEND;\n$$ LANGUAGE plpgsql SECURITY INVOKER',
        problem: /^GENERATE_SERIES\(\) is not among the SQL functions Redshift documents/,
        line: 1,
      },
    };
    let findings: RedshiftGrammarFinding[];

    beforeAll(async () => {
      findings = await checkRedshiftStatements(
        Object.entries(samples).map(([name, { sql }]) => ({ source: `sample ${name}`, sql })),
      );
    });

    it.each(Object.keys(samples))('%s', (name) => {
      const { problem, line } = samples[name]!;
      const found = findings.filter((finding) => finding.source.startsWith(`sample ${name}`));
      expect(found.map((finding) => finding.problem)).toEqual([expect.stringMatching(problem)]);
      expect(found[0]!.message).toContain(`sample ${name}`);
      expect(found[0]!.message).toContain(`(${found[0]!.statement})`);
      if (line !== undefined) expect(found[0]!.message).toContain(`, line ${line}: `);
    });

    it("names the procedure's statement, not only the procedure", () => {
      expect(findings.find((finding) => finding.source.startsWith("sample a procedure's body"))?.source).toBe(
        "sample a procedure's body, procedure retail.p(), statement 2",
      );
    });
  });

  it("names each known parser gap's Redshift page", () => {
    for (const gap of KNOWN_PARSER_GAPS)
      expect(gap.page).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/redshift\/latest\/dg\/[\w-]+\.html$/);
  });
});
