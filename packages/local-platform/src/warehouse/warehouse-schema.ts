import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  createRedshiftDataClient,
  MERGE_LANDING_CALL,
  migrateWarehouse,
  RedshiftDataWarehouse,
  type WarehouseMigration,
  type WarehouseUsers,
} from '@retail/adapters';
import { Client, type ClientBase } from 'pg';
import { LOCAL_CREDENTIALS, LOCAL_STAGE, REPO_ROOT } from '../platform-settings';
import { startLocalRedshiftData } from '../redshift-data/local-redshift-data';
import { biLoginStatements, readWarehouseBiRole, WAREHOUSE_BI_USER } from './warehouse-bi-role';

/** resources/warehouse: the warehouse SQL shared with Redshift, and landing-columns.yml. */
export const WAREHOUSE_SQL_DIR = path.join(REPO_ROOT, 'resources', 'warehouse');
const REDSHIFT_SHIMS_FILE = path.join(__dirname, 'redshift-shims.sql');
/** PostgreSQL's CREATE OR REPLACE VIEW cannot drop, rename or retype a column (Redshift's can): its messages. */
const VIEW_COLUMNS_CHANGED = /cannot (drop columns from|change name of|change data type of) view/;
/** The local Data API answers for any workgroup; this one names the local warehouse in its statement list. */
const LOCAL_WORKGROUP = `retail-${LOCAL_STAGE}`;
const MIGRATION_TIMEOUT_MS = 10 * 60_000;

/** Local only: the Redshift functions PostgreSQL lacks (redshift-shims.sql), over pg, before the migration. */
export async function applyRedshiftShims(url: string): Promise<void> {
  const shims = await readFile(REDSHIFT_SHIMS_FILE, 'utf8');
  await withWarehouseClient(url, (client) => client.query(shims));
}

/**
 * Migrates the local warehouse with the deploy's own migration (migrateWarehouse, @retail/adapters) through the local
 * Redshift Data API, as its admin. Local only, and named in docs/aws-fidelity.md: the users' passwords are the local
 * platform's (`users`), a view whose columns changed is dropped and made again (PostgreSQL cannot replace it), and the
 * BI role gets a login with a known password for BI tools on the laptop.
 */
export async function migrateLocalWarehouse(
  url: string,
  users: WarehouseUsers,
  options: { directory?: string; log?: (line: string) => void } = {},
): Promise<void> {
  const api = await startLocalRedshiftData({ warehouseUrl: url, port: 0 });
  const client = createRedshiftDataClient({
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    endpoints: { redshiftData: api.endpoint },
  });
  try {
    const warehouse = new RedshiftDataWarehouse(
      client,
      { workgroupName: LOCAL_WORKGROUP, database: new URL(url).pathname.slice(1) },
      { timeoutMs: MIGRATION_TIMEOUT_MS },
    );
    const biRole = await readWarehouseBiRole();
    const migration: WarehouseMigration = {
      warehouse,
      engine: 'postgresql',
      sqlDirectory: options.directory ?? WAREHOUSE_SQL_DIR,
      biRole,
      users,
      log: options.log,
    };
    try {
      await migrateWarehouse(migration);
    } catch (error) {
      if (!VIEW_COLUMNS_CHANGED.test((error as Error).message)) throw error;
      const { rows } = await warehouse.query(
        "SELECT quote_ident(table_name) AS name FROM information_schema.views WHERE table_schema = 'retail'",
      );
      await warehouse.executeBatch(rows.map(({ name }) => `DROP VIEW IF EXISTS retail.${String(name)} CASCADE`));
      await migrateWarehouse(migration);
    }
    const biUser = await warehouse.query('SELECT 1 FROM pg_roles WHERE rolname = :name', { name: WAREHOUSE_BI_USER });
    await warehouse.executeBatch(biLoginStatements(biRole, biUser.rows.length > 0));
  } finally {
    client.destroy();
    await api.stop();
  }
}

/** The merge as the schedule runs it (retail.merge_landing(): the merge and the precomputed tables it keeps), on `client`. */
export async function mergeLanding(client: ClientBase): Promise<void> {
  await client.query(MERGE_LANDING_CALL);
}

export async function withWarehouseClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  // A server that goes away between two queries fails the next one, rather than the process with an unheard 'error'.
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
