import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { bindNamedParameters } from '../../src/redshift-data/named-parameters';
import {
  migrateLocalWarehouse,
  mergeLanding,
  readWarehouseBiRole,
  startLocalWarehouse,
  withWarehouseClient,
  WAREHOUSE_BI_USER,
  WAREHOUSE_SQL_DIR,
  type LocalWarehouse,
} from '../../src/warehouse';

const ANALYTICS_SQL_DIR = path.join(WAREHOUSE_SQL_DIR, 'analytics');
// PostgreSQL's insufficient_privilege: "permission denied for ..." and "must be owner of ...".
const INSUFFICIENT_PRIVILEGE = '42501';

// Three lines, two invoices (a sale and its cancellation), one customer: enough for every view to have a row.
const LANDED_LINES = `
INSERT INTO retail.invoice_line_landing (line_id, invoice_no, line_no, stock_code, description, quantity, invoice_date,
  unit_price, customer_id, country, line_total, invoice_kind, is_cancellation, stock_code_kind, is_product)
VALUES
  ('536365:1', '536365', 1, '85123A', 'WHITE HANGING HEART T-LIGHT HOLDER', 6, '2010-12-01 08:26:00', 2.550, '17850',
   'United Kingdom', 15.300, 'sale', FALSE, 'product', TRUE),
  ('536365:2', '536365', 2, 'POST', 'POSTAGE', 1, '2010-12-01 08:26:00', 18.000, '17850', 'United Kingdom', 18.000,
   'sale', FALSE, 'postage', FALSE),
  ('C536379:1', 'C536379', 1, '85123A', 'WHITE HANGING HEART T-LIGHT HOLDER', -1, '2011-01-05 09:41:00', 2.550,
   '17850', 'United Kingdom', -2.550, 'cancellation', TRUE, 'product', TRUE)`;

/** What the BI login must not do, each refused by PostgreSQL's privilege checks. */
const REFUSED_STATEMENTS = {
  'INSERT into the fact table': `INSERT INTO retail.fact_invoice_line SELECT * FROM retail.fact_invoice_line LIMIT 1`,
  'INSERT into the landing table': `INSERT INTO retail.invoice_line_landing SELECT * FROM retail.invoice_line_landing LIMIT 1`,
  UPDATE: 'UPDATE retail.fact_invoice_line SET quantity = 0',
  DELETE: 'DELETE FROM retail.fact_invoice_line',
  TRUNCATE: 'TRUNCATE retail.fact_invoice_line',
  'CREATE TABLE in retail': 'CREATE TABLE retail.bi_scratch (n INTEGER)',
  'CREATE TABLE in public': 'CREATE TABLE public.bi_scratch (n INTEGER)',
  'CREATE VIEW': 'CREATE VIEW retail.bi_scratch AS SELECT 1 AS n',
  'CREATE SCHEMA': 'CREATE SCHEMA bi_scratch',
  'DROP VIEW': 'DROP VIEW retail.revenue_by_month',
  'ALTER TABLE': 'ALTER TABLE retail.fact_invoice_line ADD COLUMN bi_scratch INTEGER',
};

describe("the local warehouse's read-only BI login", () => {
  let stateDir: string;
  let warehouse: LocalWarehouse;
  let bi: Client;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-warehouse-bi-'));
    warehouse = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined });
    await withWarehouseClient(warehouse.url, async (admin) => {
      await admin.query(LANDED_LINES);
      await mergeLanding(admin);
    });
    // Applied again over data, as every `npm start` does: the role and login exist, their grants still hold.
    await migrateLocalWarehouse(warehouse.url, warehouse.users);
    bi = new Client({ connectionString: warehouse.biUrl });
    await bi.connect();
  });

  afterAll(async () => {
    await bi?.end();
    await warehouse?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('signs in with the URL stack.json records, as a member of the BI role of resources/names.yml, and no more', async () => {
    expect(warehouse.biUrl).toMatch(new RegExp(`^postgres://${WAREHOUSE_BI_USER}:[^@]+@127\\.0\\.0\\.1:\\d+/retail$`));
    const role = await readWarehouseBiRole();
    const { rows } = await bi.query<{ user: string; superuser: boolean; creates: boolean; member: boolean }>(
      `SELECT current_user AS user, rolsuper AS superuser, rolcreatedb OR rolcreaterole AS creates,
              pg_has_role(current_user, $1, 'MEMBER') AS member
       FROM pg_roles WHERE rolname = current_user`,
      [role],
    );
    expect(rows).toEqual([{ user: WAREHOUSE_BI_USER, superuser: false, creates: false, member: true }]);
  });

  it('reads every table and view of schema retail, the fact table and every analytic view among them', async () => {
    const relations = await withWarehouseClient(warehouse.url, async (admin) => {
      const { rows } = await admin.query<{ name: string }>(
        `SELECT class.relname AS name FROM pg_class class JOIN pg_namespace namespace ON namespace.oid = class.relnamespace
         WHERE namespace.nspname = 'retail' AND class.relkind IN ('r', 'v', 'm') ORDER BY 1`,
      );
      return rows.map((row) => row.name);
    });
    expect(relations).toEqual(
      expect.arrayContaining([
        'fact_invoice_line',
        'revenue_by_month',
        'revenue_by_country',
        'top_products',
        'top_customers',
        'cancellations_by_month',
        'customers',
        'rfm_segments',
        'cohort_retention',
        'sales_by_hour_weekday',
      ]),
    );
    const refused: string[] = [];
    for (const relation of relations)
      await bi.query(`SELECT * FROM retail.${relation} LIMIT 1`).catch((error: Error) => {
        refused.push(`${relation}: ${error.message}`);
      });
    expect(refused).toEqual([]);
    const { rows } = await bi.query<{ lines: string }>('SELECT COUNT(*) AS lines FROM retail.fact_invoice_line');
    expect(Number(rows[0]!.lines)).toBe(3);
  });

  it("runs each of the dashboard's queries (resources/warehouse/analytics), as the dashboard's function does on AWS", async () => {
    const files = (await readdir(ANALYTICS_SQL_DIR)).filter((name) => name.endsWith('.sql'));
    expect(files.length).toBeGreaterThanOrEqual(9);
    const parameters = [
      { name: 'date_from', value: '2010-12-01' },
      { name: 'date_to', value: '2011-12-09' },
      { name: 'country', value: '*' },
    ];
    for (const file of files) {
      const bound = bindNamedParameters(await readFile(path.join(ANALYTICS_SQL_DIR, file), 'utf8'), parameters);
      const { rowCount } = await bi.query(bound.text, bound.values);
      expect({ file, answered: (rowCount ?? 0) > 0 }).toEqual({ file, answered: true });
    }
  });

  it.each(Object.entries(REFUSED_STATEMENTS))('is refused %s', async (_what, sql) => {
    await expect(bi.query(sql)).rejects.toMatchObject({
      code: INSUFFICIENT_PRIVILEGE,
      message: expect.stringMatching(/permission denied|must be owner/),
    });
  });

  it('left the data as it was', async () => {
    const lines = await withWarehouseClient(warehouse.url, (admin) =>
      admin.query<{ lines: string }>('SELECT COUNT(*) AS lines FROM retail.fact_invoice_line'),
    );
    expect(Number(lines.rows[0]!.lines)).toBe(3);
  });
});
