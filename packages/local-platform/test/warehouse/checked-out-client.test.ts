import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'pg';
import { startLocalWarehouse, withWarehouseClient, type LocalWarehouse } from '../../src/warehouse';
import { withCheckedOutClient } from '../../src/warehouse/checked-out-client';

describe('withCheckedOutClient', () => {
  let stateDir: string;
  let warehouse: LocalWarehouse;
  let pool: Pool;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-checked-out-'));
    warehouse = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined });
    pool = new Pool({ connectionString: warehouse.url, max: 1 });
    pool.on('error', () => undefined);
  }, 120_000);

  afterAll(async () => {
    await pool?.end();
    await warehouse?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('a connection whose server ends it between two queries fails the next query, not the process, and is not pooled again', async () => {
    const heardByProcess: unknown[] = [];
    const onUncaught = (error: unknown) => heardByProcess.push(error);
    // Jest would fail the run on its own; counted here so the test says what it checks.
    process.on('uncaughtException', onUncaught);
    try {
      let endedPid = 0;
      const outcome = withCheckedOutClient(pool, async (client) => {
        endedPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        // The server goes away while the connection is checked out and idle (a COPY reading S3, say).
        await withWarehouseClient(warehouse.url, (admin) => admin.query('SELECT pg_terminate_backend($1)', [endedPid]));
        await sleep(500);
        return client.query('SELECT 1');
      });
      await expect(outcome).rejects.toThrow(/not queryable|terminat/i);
      expect(heardByProcess).toEqual([]);
      // The pool (one connection at most) hands out a new connection, not the broken one.
      const next = await withCheckedOutClient(pool, (client) =>
        client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'),
      );
      expect(next.rows[0]!.pid).not.toBe(endedPid);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
