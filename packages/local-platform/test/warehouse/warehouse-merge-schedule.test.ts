import { ListStatementsCommand } from '@aws-sdk/client-redshift-data';
import { createRedshiftDataClient, MERGE_LANDING_CALL } from '@retail/adapters';
import {
  eventually,
  precomputedTablesDifferingFromLines,
  readSampleRows,
  sampleLines,
  TEST_ACCOUNT_ID,
  TEST_STAGE,
} from '@retail/test-support';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { readPlatformTemplateSync } from '../../src/cloudformation/read-platform-template';
import { LOCAL_CREDENTIALS } from '../../src/platform-settings';
import { startLocalRedshiftData, type LocalRedshiftData } from '../../src/redshift-data';
import { secretLoginsOf } from '../../src/redshift-data/secret-logins';
import { readScheduleDefinitions, startLocalScheduler } from '../../src/scheduler';
import {
  mergeLanding,
  migrateLocalWarehouse,
  readLandingColumns,
  readWarehouseBiRole,
  startLocalWarehouse,
  withWarehouseClient,
  type LocalWarehouse,
} from '../../src/warehouse';

const RUNNING = new Set(['SUBMITTED', 'PICKED', 'STARTED']);

/** What the migration leaves in the catalog: procedures, users, roles and every grant to them. */
const CATALOG_SNAPSHOT = `
SELECT 'procedure' AS kind, p.proname || ' ' || CASE WHEN p.prosecdef THEN 'definer' ELSE 'invoker' END AS detail
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'retail' AND p.prokind = 'p'
UNION ALL
SELECT 'role', rolname || CASE WHEN rolcanlogin THEN ' login' ELSE '' END FROM pg_roles WHERE rolname = ANY($1)
UNION ALL
SELECT 'table grant', grantee || ' ' || privilege_type || ' ' || table_schema || '.' || table_name
FROM information_schema.role_table_grants WHERE grantee = ANY($1)
UNION ALL
SELECT 'routine grant', grantee || ' ' || privilege_type || ' ' || routine_name
FROM information_schema.role_routine_grants WHERE grantee = ANY($1) OR (grantee = 'PUBLIC' AND routine_schema = 'retail')
ORDER BY 1, 2`;

describe('the warehouse migration, its merge procedures and the schedule that calls them (local Data API)', () => {
  const template = readPlatformTemplateSync(TEST_STAGE);
  let stateDir: string;
  let warehouse: LocalWarehouse;
  let api: LocalRedshiftData;
  let admin: Client;
  let principals: string[];

  const snapshot = async () =>
    (await admin.query<{ kind: string; detail: string }>(CATALOG_SNAPSHOT, [principals])).rows.map(
      ({ kind, detail }) => `${kind}: ${detail}`,
    );
  const figures = async () =>
    (
      await admin.query<{ lines: string; revenue: string }>(
        'SELECT COUNT(*) AS lines, SUM(line_total) AS revenue FROM retail.fact_invoice_line',
      )
    ).rows[0]!;
  const landSample = async () => {
    const [sample, landing] = await Promise.all([readSampleRows().then(sampleLines), readLandingColumns()]);
    const fields = landing.columns.map(({ jsonpath }) => jsonpath.replace(/^\$\./, ''));
    const columns = landing.columns.map((column) => column.name).join(', ');
    await admin.query(
      `INSERT INTO ${landing.table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${landing.table}, $1)`,
      [
        JSON.stringify(
          sample.map((event) =>
            Object.fromEntries(
              landing.columns.map((column, index) => [column.name, (event as Record<string, unknown>)[fields[index]!]]),
            ),
          ),
        ),
      ],
    );
    return sample.length;
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-merge-schedule-'));
    warehouse = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined });
    api = await startLocalRedshiftData({
      warehouseUrl: warehouse.url,
      port: 0,
      secretLogins: secretLoginsOf(template, TEST_ACCOUNT_ID, warehouse.users),
    });
    admin = new Client({ connectionString: warehouse.url });
    await admin.connect();
    principals = [...Object.values(warehouse.users).map((login) => login.username), await readWarehouseBiRole()];
  });

  afterAll(async () => {
    await admin?.end();
    await api?.stop();
    await warehouse?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('creates the procedures, the users with exactly their grants and the BI role; a second run changes nothing', async () => {
    const first = await snapshot();
    const [loader, mergeRunner, glueBatch] = principals;
    expect(first).toEqual(
      expect.arrayContaining([
        'procedure: merge_landing definer',
        `role: ${loader} login`,
        `role: ${mergeRunner} login`,
        `role: ${glueBatch} login`,
        'role: bi_read_only',
        `table grant: ${loader} INSERT retail.invoice_line_landing`,
        `routine grant: ${mergeRunner} EXECUTE merge_landing`,
      ]),
    );
    // Exactly: the loader and the schedule's user hold nothing else; no procedure is left to PUBLIC.
    expect(first.filter((line) => line.includes(`grant: ${loader} `))).toEqual([
      `table grant: ${loader} INSERT retail.invoice_line_landing`,
    ]);
    expect(first.filter((line) => line.includes(`grant: ${mergeRunner} `))).toEqual([
      `routine grant: ${mergeRunner} EXECUTE merge_landing`,
    ]);
    expect(first.filter((line) => line.startsWith('procedure: '))).toEqual(['procedure: merge_landing definer']);
    expect(first.filter((line) => line.includes('PUBLIC'))).toEqual([]);
    expect(
      first.filter((line) => line.startsWith('table grant: bi_read_only ')).every((line) => / SELECT /.test(line)),
    ).toBe(true);

    await migrateLocalWarehouse(warehouse.url, warehouse.users);
    await expect(snapshot()).resolves.toEqual(first);
  });

  it('runs the schedule of resources/warehouse.yml as its user: the merge, and the precomputed tables kept in its transaction', async () => {
    const [schedule] = readScheduleDefinitions(template, TEST_ACCOUNT_ID);
    expect(schedule).toMatchObject({ service: 'redshiftdata', action: 'ExecuteStatement', rateSeconds: 900 });
    expect(schedule!.input).toMatchObject({ Sql: MERGE_LANDING_CALL });
    const lines = await landSample();
    const scheduler = startLocalScheduler([schedule!], { redshiftData: api.endpoint }, { log: () => undefined });
    try {
      await scheduler.invokeAll();
      // The call returns once the statement is submitted, as on AWS: the merge finishes on the warehouse.
      await eventually(async () => expect(Number((await figures()).lines)).toBe(lines), {
        timeoutMs: 30_000,
        intervalMs: 200,
      });
    } finally {
      await scheduler.stop();
    }
    // The schedule signed in as its secret's user: the Data API's connection is merge_runner's.
    const { rows } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE usename = $1', [principals[1]]);
    expect(rows.length).toBeGreaterThan(0);
    // The lines and the precomputed tables were committed together: each table holds what its SQL computes now.
    await expect(precomputedTablesDifferingFromLines(admin)).resolves.toEqual([]);
  });

  it('lets two merges started at once both finish, one after the other, every figure exact', async () => {
    await admin.query('TRUNCATE retail.fact_invoice_line');
    await admin.query(
      "UPDATE retail.merge_watermark SET merged_through = TIMESTAMP '1970-01-01' WHERE landing_table = 'retail.invoice_line_landing'",
    );
    await admin.query('TRUNCATE retail.merged_load');
    const expected = await withWarehouseClient(warehouse.url, async (client) => {
      const { rows } = await client.query<{ lines: string; revenue: string }>(
        `SELECT COUNT(*) AS lines, SUM(line_total) AS revenue FROM (
           SELECT DISTINCT ON (line_id) line_total FROM retail.invoice_line_landing ORDER BY line_id, loaded_at DESC
         ) latest`,
      );
      return rows[0]!;
    });
    // The schedule's merge (as merge_runner, through the Data API) and a batch run's (its own connection) at once.
    const [schedule] = readScheduleDefinitions(template, TEST_ACCOUNT_ID);
    const scheduler = startLocalScheduler([schedule!], { redshiftData: api.endpoint }, { log: () => undefined });
    const batchMerge = withWarehouseClient(warehouse.url, (client) => mergeLanding(client));
    const startedAt = new Date();
    await Promise.all([scheduler.invokeAll(), batchMerge]);
    await scheduler.stop();
    // The scheduled statement may still wait for the lock: it must finish, not fail or abort.
    const data = createRedshiftDataClient({
      region: template.region,
      endpoints: { redshiftData: api.endpoint },
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      const deadline = Date.now() + 30_000;
      let statuses: string[] = [];
      do {
        const { Statements } = await data.send(new ListStatementsCommand({ Status: 'ALL' }));
        statuses = (Statements ?? [])
          .filter((statement) => statement.QueryString === MERGE_LANDING_CALL && statement.CreatedAt! >= startedAt)
          .map((statement) => statement.Status ?? '');
        if (statuses.length > 0 && statuses.every((status) => !RUNNING.has(status))) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      } while (Date.now() < deadline);
      expect(statuses).toEqual(['FINISHED']);
    } finally {
      data.destroy();
    }
    await expect(figures()).resolves.toEqual(expected);
  });
});
