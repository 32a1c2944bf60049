import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startLocalWarehouse, withWarehouseClient, type LocalWarehouse } from '../../src/warehouse';

const quiet = () => undefined;

const tablesOf = (url: string) =>
  withWarehouseClient(url, async (client) => {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'retail' AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    return rows.map((row) => row.table_name);
  });

describe('the local warehouse (embedded PostgreSQL in a child process)', () => {
  let stateDir: string;
  const started: LocalWarehouse[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-warehouse-'));
  });

  afterAll(async () => {
    for (const warehouse of started) await warehouse.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('initialises, applies the schema, takes psql with its URL, and keeps data across a restart', async () => {
    const first = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: quiet });
    started.push(first);
    expect(first.url).toMatch(/^postgres:\/\/admin:[^@]+@127\.0\.0\.1:\d+\/retail$/);
    expect(first.timings.initdbMs).toBeGreaterThan(0);
    await expect(tablesOf(first.url)).resolves.toEqual([
      'batch_load_ledger',
      'fact_invoice_line',
      'invoice_line_landing',
      'invoice_summary',
      'merge_watermark',
      'merged_load',
      'product_day_summary',
      'product_descriptions',
    ]);
    expect(execFileSync('psql', [first.url, '-tAc', 'SELECT current_database()'], { encoding: 'utf8' }).trim()).toBe(
      'retail',
    );
    await withWarehouseClient(first.url, (client) => client.query('CREATE TABLE retail.kept (n INTEGER)'));
    await first.stop();

    const second = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: quiet });
    started.push(second);
    expect(second.timings.initdbMs).toBe(0);
    await expect(tablesOf(second.url)).resolves.toContain('kept');
    await second.stop();
  });

  it("orders strings by their UTF-8 bytes, as Redshift does, whatever the machine's locale", async () => {
    const warehouse = await startLocalWarehouse({ dataDir: path.join(stateDir, 'collation'), port: 0, log: quiet });
    started.push(warehouse);
    await withWarehouseClient(warehouse.url, async (client) => {
      const { rows } = await client.query<{ provider: string; sorted: string[] }>(
        `SELECT (SELECT datlocprovider FROM pg_database WHERE datname = current_database()) AS provider,
                (SELECT array_agg(word ORDER BY word) FROM UNNEST(CAST($1 AS TEXT[])) word) AS sorted`,
        [['étagère', 'b', '536365:2', 'B', 'a', '536365:10', 'Z']],
      );
      // A locale's collation (en_US.UTF-8) would give 536365:10, 536365:2, a, b, B, étagère, Z.
      expect(rows[0]).toEqual({
        provider: 'b',
        sorted: ['536365:10', '536365:2', 'B', 'Z', 'a', 'b', 'étagère'],
      });
    });
    await warehouse.stop();
  });

  it('stops the postgres a SIGKILLed run left behind, then starts on the same data', async () => {
    const killed = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: quiet });
    started.push(killed);
    process.kill(killed.pid, 'SIGKILL');
    // postgres outlives its parent and still answers on the old port.
    const orphan = new Client({ connectionString: killed.url });
    await orphan.connect();
    await orphan.end();

    const messages: string[] = [];
    const restarted = await startLocalWarehouse({
      dataDir: path.join(stateDir, 'warehouse'),
      port: 0,
      log: (message) => messages.push(message),
    });
    started.push(restarted);
    expect(messages.join('\n')).toMatch(/stopping PostgreSQL pid \d+ left running/);
    await expect(tablesOf(restarted.url)).resolves.toContain('kept');
    await restarted.stop();
  });

  it('refuses a busy port, naming the setting', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      await expect(
        startLocalWarehouse({
          dataDir: path.join(stateDir, 'warehouse'),
          port,
          portSetting: `RETAIL_WAREHOUSE_PORT=${port}`,
        }),
      ).rejects.toThrow(`Port ${port} on 127.0.0.1 is already in use (RETAIL_WAREHOUSE_PORT=${port})`);
    } finally {
      holder.close();
    }
  });
});
