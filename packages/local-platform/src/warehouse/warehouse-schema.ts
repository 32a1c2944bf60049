import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MERGE_LANDING_FILE, readWarehouseFile, readWarehouseSchema, REFRESH_PRECOMPUTED_FILE } from '@retail/adapters';
import { Client, type ClientBase } from 'pg';
import { REPO_ROOT } from '../platform-settings';
import { biLoginStatements, biRoleStatements, readWarehouseBiRole, WAREHOUSE_BI_USER } from './warehouse-bi-role';

/** resources/warehouse: the warehouse SQL shared with Redshift, and landing-columns.yml. */
export const WAREHOUSE_SQL_DIR = path.join(REPO_ROOT, 'resources', 'warehouse');
const REDSHIFT_SHIMS_FILE = path.join(__dirname, 'redshift-shims.sql');
// PostgreSQL's CREATE OR REPLACE VIEW cannot drop or retype a column (Redshift's can).
const VIEW_COLUMNS_CHANGED = new Set(['42P16', '42804']);

/**
 * Applies the Redshift shims, then every schema file of resources/warehouse in order, then refresh-precomputed.sql,
 * then the read-only BI role and its local login, in one transaction. A view whose columns changed since the last start is dropped with the other
 * retail views and created again.
 */
export async function applyWarehouseSchema(url: string, directory: string = WAREHOUSE_SQL_DIR): Promise<void> {
  const biRole = await readWarehouseBiRole();
  const refresh = await readWarehouseFile(directory, REFRESH_PRECOMPUTED_FILE, 'postgresql');
  const schemaFiles = [
    { name: 'redshift-shims.sql', sql: await readFile(REDSHIFT_SHIMS_FILE, 'utf8') },
    ...(await readWarehouseSchema(directory, 'postgresql')),
    // The precomputed tables filled from the lines already there, as after a merge.
    refresh,
  ];
  await withWarehouseClient(url, async (client) => {
    const roleExists = async (name: string) =>
      ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount ?? 0) > 0;
    const biStatements = [
      ...biRoleStatements('postgresql', biRole, await roleExists(biRole)),
      ...biLoginStatements(biRole, await roleExists(WAREHOUSE_BI_USER)),
    ];
    const files = [...schemaFiles, { name: `the BI role ${biRole}`, sql: biStatements.join(';\n') }];
    try {
      await runInTransaction(client, files);
    } catch (error) {
      if (!VIEW_COLUMNS_CHANGED.has((error as { code?: string }).code ?? '')) throw error;
      await runInTransaction(client, [{ name: 'drop retail views', sql: await dropRetailViewsSql(client) }, ...files]);
    }
    await analyzePrecomputed(client, refresh.sql);
  });
}

/**
 * Runs resources/warehouse/merge-landing.sql, then refresh-precomputed.sql, in one transaction on `client` (after a
 * COPY into the landing table), as retail.merge_landing() does on AWS.
 */
export async function mergeLanding(client: ClientBase, directory: string = WAREHOUSE_SQL_DIR): Promise<void> {
  const refresh = await readWarehouseFile(directory, REFRESH_PRECOMPUTED_FILE, 'postgresql');
  await runInTransaction(client, [await readWarehouseFile(directory, MERGE_LANDING_FILE, 'postgresql'), refresh]);
  await analyzePrecomputed(client, refresh.sql);
}

/**
 * Redshift analyses a refilled materialized view on its own; PostgreSQL's autovacuum may not have yet, and a plan made
 * without statistics can be 1,000x slower (cohort-retention over a just-created view measured 45 s against 24 ms).
 * Analyses every relation refresh-precomputed.sql refills: the views it refreshes and the tables it inserts into.
 */
async function analyzePrecomputed(client: ClientBase, refreshSql: string): Promise<void> {
  const refilled = refreshSql.matchAll(/(?:REFRESH MATERIALIZED VIEW|INSERT INTO)\s+(retail\.[a-z_]+)/g);
  for (const name of new Set([...refilled].map((match) => match[1]!))) await client.query(`ANALYZE ${name}`);
}

export async function withWarehouseClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function runInTransaction(client: ClientBase, files: readonly { name: string; sql: string }[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const file of files) {
      try {
        await client.query(file.sql);
      } catch (error) {
        (error as Error).message = `${file.name}: ${(error as Error).message}`;
        throw error;
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function dropRetailViewsSql(client: ClientBase): Promise<string> {
  const { rows } = await client.query<{ name: string }>(
    "SELECT quote_ident(table_name) AS name FROM information_schema.views WHERE table_schema = 'retail'",
  );
  return rows.map(({ name }) => `DROP VIEW IF EXISTS retail.${name} CASCADE;`).join('\n');
}
