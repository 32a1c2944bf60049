import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { findEngineSpecificConstructs } from '../src/warehouse-sql-portability';
import {
  MERGE_LANDING_FILE,
  REFRESH_PRECOMPUTED_FILE,
  readWarehouseFile,
  readWarehouseSchema,
  splitSqlStatements,
  warehouseSqlFor,
} from '../src/warehouse-sql';

const WAREHOUSE_SQL_DIR = path.resolve(__dirname, '..', '..', '..', 'resources', 'warehouse');

describe('warehouseSqlFor', () => {
  const table = 'CREATE TABLE t (a INTEGER)\n/*@redshift DISTKEY (a) SORTKEY (a) */;';

  it('unwraps the Redshift comments for Redshift and leaves them as comments for PostgreSQL', () => {
    expect(warehouseSqlFor('redshift', table)).toBe('CREATE TABLE t (a INTEGER)\nDISTKEY (a) SORTKEY (a);');
    expect(warehouseSqlFor('postgresql', table)).toBe(table);
  });
});

describe('readWarehouseSchema', () => {
  it('reads the numbered files in order, without the merge', async () => {
    const files = await readWarehouseSchema(WAREHOUSE_SQL_DIR, 'redshift');
    expect(files.map((file) => file.name)).toEqual([
      '0010-schema.sql',
      '0020-landing.sql',
      '0030-fact.sql',
      '0040-dimensions.sql',
      '0050-analytics.sql',
      '0060-invoice-totals.sql',
      '0070-product-totals.sql',
      '0080-batch-load-ledger.sql',
    ]);
    expect(files.map((file) => file.sql).join('\n')).not.toContain('/*@redshift');
    expect(files.find((file) => file.name === '0060-invoice-totals.sql')?.sql).toContain(
      'DISTKEY (invoice_no) SORTKEY (invoice_date)',
    );
    expect(files.find((file) => file.name === '0030-fact.sql')?.sql).toContain(
      'DISTKEY (invoice_no) SORTKEY (invoice_date)',
    );
  });
});

describe('splitSqlStatements', () => {
  it("splits at semicolons outside comments and quotes, keeping 'it''s' literals whole", () => {
    expect(splitSqlStatements("-- a; comment\nSELECT 'a;b', 'it''s';\n/* x; */ SELECT \"c;d\" ;;")).toEqual([
      "SELECT 'a;b', 'it''s'",
      'SELECT "c;d"',
    ]);
  });

  it('splits the merge into the statements of its procedure, the lock that makes merges wait for each other first', async () => {
    const merge = await readWarehouseFile(WAREHOUSE_SQL_DIR, MERGE_LANDING_FILE, 'redshift');
    expect(splitSqlStatements(merge.sql).map((statement) => statement.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'LOCK retail.merge_watermark',
      'DROP TABLE',
      'DROP TABLE',
      'DROP TABLE',
      'DROP TABLE',
      'DROP TABLE',
      'CREATE TEMP',
      'CREATE TEMP',
      'CREATE TEMP',
      'DELETE FROM',
      'CREATE TEMP',
      'MERGE INTO',
      'DELETE FROM',
      'INSERT INTO',
      'DELETE FROM',
      'INSERT INTO',
      'CREATE TEMP',
      'DELETE FROM',
      'INSERT INTO',
      'UPDATE retail.merge_watermark',
      'DELETE FROM',
      'INSERT INTO',
      'UPDATE retail.merge_watermark',
      'DELETE FROM',
      'DROP TABLE',
      'DROP TABLE',
      'DROP TABLE',
      'DROP TABLE',
      'DROP TABLE',
    ]);
  });
});

describe('findEngineSpecificConstructs', () => {
  it('finds nothing in the warehouse SQL as written: both engines accept every file but its engine comments', async () => {
    const analytics = path.join(WAREHOUSE_SQL_DIR, 'analytics');
    const asWritten = async (directory: string, name: string) => ({
      name,
      sql: await readFile(path.join(directory, name), 'utf8'),
    });
    const files = [
      ...(await readWarehouseSchema(WAREHOUSE_SQL_DIR, 'postgresql')).map((file) =>
        asWritten(WAREHOUSE_SQL_DIR, file.name),
      ),
      asWritten(WAREHOUSE_SQL_DIR, MERGE_LANDING_FILE),
      asWritten(WAREHOUSE_SQL_DIR, REFRESH_PRECOMPUTED_FILE),
      // The dashboard's queries (GET /analytics/<view>) run on both engines too.
      ...(await readdir(analytics)).filter((name) => name.endsWith('.sql')).map((name) => asWritten(analytics, name)),
    ];
    const written = await Promise.all(files);
    expect(written.length).toBeGreaterThan(10);
    expect(written.map((file) => ({ file: file.name, found: findEngineSpecificConstructs(file.sql) }))).toEqual(
      written.map((file) => ({ file: file.name, found: [] })),
    );
  });

  it('finds no PostgreSQL-only construct in the Redshift text either (its unwrapped attributes are Redshift-only)', async () => {
    const files = await readWarehouseSchema(WAREHOUSE_SQL_DIR, 'redshift');
    const postgresOnly = files.flatMap((file) =>
      findEngineSpecificConstructs(file.sql)
        .filter((found) => found.rejectedBy === 'Redshift')
        .map((found) => `${file.name}:${found.line} ${found.construct}`),
    );
    expect(postgresOnly).toEqual([]);
  });

  it('catches what only one engine accepts, outside comments and literals, with its line', () => {
    const sql = [
      'CREATE TABLE retail.t (a INTEGER) DISTKEY (a) /*@redshift SORTKEY (a) */;', // 1
      "SELECT STRING_AGG(a, ',') FROM retail.t; -- LISTAGG in a comment is fine", // 2
      'SELECT DISTINCT ON (a) a FROM retail.t;', // 3
      'SELECT a FROM retail.t QUALIFY ROW_NUMBER() OVER (ORDER BY a) = 1;', // 4
      "SELECT DATEADD(day, 1, GETDATE()), 'DATEDIFF(' FROM retail.t;", // 5
      'SELECT a::text, NVL(a, 0) FROM retail.t;', // 6
      'MERGE INTO retail.t target USING s ON target.a = s.a WHEN MATCHED THEN DELETE;', // 7
    ].join('\n');
    expect(
      findEngineSpecificConstructs(sql).map(({ line, construct, rejectedBy }) => [line, construct, rejectedBy]),
    ).toEqual([
      [1, 'DISTKEY', 'PostgreSQL'],
      [2, 'STRING_AGG', 'Redshift'],
      [3, 'DISTINCT ON', 'Redshift'],
      [4, 'QUALIFY', 'PostgreSQL'],
      [5, 'DATEADD', 'PostgreSQL'],
      [6, '::type cast', 'Redshift'],
      [6, 'NVL', 'PostgreSQL'],
      [7, 'MERGE target alias', 'Redshift'],
    ]);
  });

  it('lets a MERGE name its target in full', () => {
    expect(findEngineSpecificConstructs('MERGE INTO retail.fact_invoice_line USING merge_batch ON x = y')).toEqual([]);
  });
});
