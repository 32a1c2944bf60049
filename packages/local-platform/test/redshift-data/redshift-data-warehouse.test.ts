import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import {
  createRedshiftDataClient,
  RedshiftDataWarehouse,
  WAIT_TIME_SECONDS,
  waitTimeSeconds,
  WarehouseQueryError,
} from '@retail/adapters';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_CREDENTIALS } from '../../src/platform-settings';
import { startLocalRedshiftData, type LocalRedshiftData } from '../../src/redshift-data';
import { startLocalWarehouse, type LocalWarehouse } from '../../src/warehouse';

describe('RedshiftDataWarehouse (the dashboard port) on the local Data API', () => {
  let stateDir: string;
  let warehouse: LocalWarehouse;
  let api: LocalRedshiftData;
  let client: RedshiftDataClient;
  let queries: RedshiftDataWarehouse;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-warehouse-queries-'));
    warehouse = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined });
    // Small pages, so that reading a result follows NextToken.
    api = await startLocalRedshiftData({ warehouseUrl: warehouse.url, port: 0, resultPageBytes: 100 });
    client = createRedshiftDataClient({
      region: 'eu-west-2',
      endpoints: { redshiftData: api.endpoint },
      credentials: LOCAL_CREDENTIALS,
    });
    queries = new RedshiftDataWarehouse(client, { workgroupName: 'retail-local', database: 'retail' });
  });

  afterAll(async () => {
    client?.destroy();
    await api?.stop();
    await warehouse?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('returns typed rows keyed by column, across result pages, with :name parameters', async () => {
    const result = await queries.query(
      `SELECT n, CAST(n AS DECIMAL(10, 3)) / 4 AS quarter, n % 2 = 0 AS even, CAST(NULL AS VARCHAR(4)) AS nothing
       FROM generate_series(1, CAST(:last AS INTEGER)) AS n WHERE n >= :first ORDER BY n`,
      { first: 2, last: 30 },
    );
    expect(result.columns.map((column) => column.name)).toEqual(['n', 'quarter', 'even', 'nothing']);
    expect(result.rows).toHaveLength(29);
    expect(result.rows[0]).toEqual({ n: 2, quarter: expect.stringMatching(/^0\.50*$/), even: true, nothing: null });
  });

  it('returns no rows for a statement without a result set, and names the failure of a bad one', async () => {
    await expect(queries.query('CREATE TABLE IF NOT EXISTS retail.adapter_probe (n INTEGER)')).resolves.toEqual({
      columns: [],
      rows: [],
    });
    const failure = queries.query('SELECT * FROM retail.no_such_view');
    await expect(failure).rejects.toBeInstanceOf(WarehouseQueryError);
    await expect(failure).rejects.toThrow(/failed: ERROR: relation "retail.no_such_view" does not exist/);
  });

  it('waits for the statement on the service side: a finished query costs ExecuteStatement and GetStatementResult only', async () => {
    const counting = createRedshiftDataClient({
      region: 'eu-west-2',
      endpoints: { redshiftData: api.endpoint },
      credentials: LOCAL_CREDENTIALS,
    });
    const commands: string[] = [];
    counting.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize' },
    );
    try {
      const waiting = new RedshiftDataWarehouse(counting, { workgroupName: 'retail-local', database: 'retail' });
      // Longer than a poll interval would have been, shorter than one WaitTimeSeconds.
      const started = Date.now();
      await expect(waiting.query('SELECT 7 AS n FROM (SELECT pg_sleep(0.3)) AS slept')).resolves.toEqual({
        columns: [expect.objectContaining({ name: 'n' })],
        rows: [{ n: 7 }],
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(commands).toEqual(['ExecuteStatementCommand', 'GetStatementResultCommand']);
    } finally {
      counting.destroy();
    }
  });

  it('cancels a query that outlasts its timeout, and says so', async () => {
    const impatient = new RedshiftDataWarehouse(
      client,
      { workgroupName: 'retail-local', database: 'retail' },
      { timeoutMs: 1_500 },
    );
    await expect(impatient.query('SELECT pg_sleep(10)')).rejects.toThrow(/ran longer than 1.5 s and was cancelled/);
  });

  it('never sends WaitTimeSeconds outside 1..30, however much or little time is left', async () => {
    expect(waitTimeSeconds(Date.now() + 120_000)).toBe(WAIT_TIME_SECONDS.max);
    expect(waitTimeSeconds(Date.now() + 400)).toBe(WAIT_TIME_SECONDS.min);
    expect(waitTimeSeconds(Date.now() - 5_000)).toBe(WAIT_TIME_SECONDS.min);
    const watching = createRedshiftDataClient({
      region: 'eu-west-2',
      endpoints: { redshiftData: api.endpoint },
      credentials: LOCAL_CREDENTIALS,
    });
    const waits: (number | undefined)[] = [];
    watching.middlewareStack.add(
      (next) => (args) => {
        waits.push((args.input as { WaitTimeSeconds?: number }).WaitTimeSeconds);
        return next(args);
      },
      { step: 'initialize' },
    );
    try {
      // A deadline that passes while the statement runs: the last describes have under a second left.
      const hurried = new RedshiftDataWarehouse(
        watching,
        { workgroupName: 'retail-local', database: 'retail' },
        { timeoutMs: 1_200 },
      );
      await expect(hurried.query('SELECT pg_sleep(6)')).rejects.toThrow(/cancelled/);
      await hurried.executeBatch(['SELECT 1', 'SELECT 2']);
      const sent = waits.filter((wait) => wait !== undefined);
      expect(sent.length).toBeGreaterThanOrEqual(3);
      expect(Math.min(...(sent as number[]))).toBeGreaterThanOrEqual(1);
      expect(Math.max(...(sent as number[]))).toBeLessThanOrEqual(30);
    } finally {
      watching.destroy();
    }
  });

  it('names the failed statement of a batch, and never prints a password it holds', async () => {
    const password = 'Sup3rSecretLocalOnly';
    const failure = queries.executeBatch([
      `CREATE USER probe_user_${Date.now()} PASSWORD '${password}'`,
      `ALTER USER no_such_user PASSWORD '${password}'`,
    ]);
    await expect(failure).rejects.toThrow(
      /failed: ERROR: role "no_such_user" does not exist \(SQL: ALTER USER no_such_user PASSWORD '\*\*\*'\)/,
    );
    await expect(failure).rejects.not.toThrow(password);
    // All or nothing: the first statement's user was rolled back with the batch.
    await expect(queries.query("SELECT 1 FROM pg_user WHERE usename LIKE 'probe_user_%'")).resolves.toMatchObject({
      rows: [],
    });
  });

  it('reads the analytic views the dashboard will use', async () => {
    await expect(queries.query('SELECT * FROM retail.revenue_by_month ORDER BY month_start')).resolves.toMatchObject({
      rows: [],
    });
  });
});
