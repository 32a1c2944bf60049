// The warehouse's migration: one path for AWS (`npm run deploy`, packages/cli/src/deploy/migrate-warehouse.ts) and the
// local platform (`npm start`, packages/local-platform/src/warehouse/local-warehouse-migration.ts), both through the
// Redshift Data API as the warehouse's admin. It applies resources/warehouse/*.sql, installs the merge as procedures,
// creates the users the delivery stream, the schedule and the Glue job sign in as, with their grants, and the
// read-only BI role. Every step is idempotent: a second run changes nothing.
import type { RedshiftDataWarehouse } from './redshift-data-warehouse';
import {
  MERGE_LANDING_FILE,
  readWarehouseFile,
  readWarehouseSchema,
  REFRESH_PRECOMPUTED_FILE,
  splitSqlStatements,
  type WarehouseEngine,
} from './warehouse-sql';

/** A database user and its password, as a warehouse secret holds them (`{"username": ..., "password": ...}`). */
export interface WarehouseLogin {
  username: string;
  password: string;
}

/** The users the migration creates, each from its secret (resources/warehouse.yml, glue-warehouse.yml). */
export interface WarehouseUsers {
  /** The warehouse delivery stream's COPY: INSERT on the landing table only. */
  loader: WarehouseLogin;
  /** The merge schedule: EXECUTE on the merge procedures only. */
  mergeRunner: WarehouseLogin;
  /** The Glue job: COPY into the landing table, the batch load ledger, the merge. */
  glueBatch: WarehouseLogin;
}

export interface WarehouseMigration {
  /** The Data API as the warehouse's admin (the owner of everything the migration creates). */
  warehouse: RedshiftDataWarehouse;
  /** Which text of the shared SQL files the warehouse runs. */
  engine: WarehouseEngine;
  /** resources/warehouse. */
  sqlDirectory: string;
  /** resources/names.yml warehouseBiRole. */
  biRole: string;
  users: WarehouseUsers;
  log?: (line: string) => void;
}

/**
 * What the schedule (resources/warehouse.yml WarehouseMergeSchedule), the Glue job and the local platform run to merge:
 * the merge and the precomputed tables it keeps, in one transaction.
 */
export const MERGE_LANDING_CALL = 'CALL retail.merge_landing()';
/** The procedures the migration installs. */
export const MERGE_PROCEDURES = {
  /** SECURITY DEFINER: merge-landing.sql with its owner's rights (the schedule's and the job's users only call it). */
  mergeLanding: 'retail.merge_landing()',
} as const;
/**
 * Procedures of earlier versions, dropped when found: the merge was three procedures while the dashboard's views were
 * materialized views, refreshed after the merge had committed. Redshift's DROP PROCEDURE has no IF EXISTS
 * ("DROP PROCEDURE sp_name ( [ [ argname ] [ argmode ] argtype [, ...] ] )"), so the migration looks for them first.
 */
export const RETIRED_MERGE_PROCEDURES = ['retail.merge_landing_batch', 'retail.refresh_precomputed'] as const;
export const PROCEDURE_EXISTS =
  'SELECT 1 FROM pg_proc JOIN pg_namespace ON pg_namespace.oid = pg_proc.pronamespace ' +
  "WHERE pg_namespace.nspname || '.' || pg_proc.proname = :procedure";

const USER_NAME = /^[a-z_][a-z0-9_]*$/;

/** Applies the migration; see the file's head. */
export async function migrateWarehouse(migration: WarehouseMigration): Promise<void> {
  const { warehouse, engine, sqlDirectory, biRole, users } = migration;
  const log = migration.log ?? (() => undefined);
  const schema = await readWarehouseSchema(sqlDirectory, engine);
  const [merge, refresh] = await Promise.all([
    readWarehouseFile(sqlDirectory, MERGE_LANDING_FILE, engine),
    readWarehouseFile(sqlDirectory, REFRESH_PRECOMPUTED_FILE, engine),
  ]);
  // The refresh right after the schema: the precomputed tables of a warehouse that already has lines are filled now.
  // Two transactions: a BatchExecuteStatement takes at most 40 statements (its Sqls list: "Array Members: Minimum
  // number of 1 item. Maximum number of 40 items."). A merge in between keeps the tables for its days; the refresh
  // then fills them whole.
  await warehouse.executeBatch(schema.flatMap((file) => splitSqlStatements(file.sql)));
  await warehouse.executeBatch(splitSqlStatements(refresh.sql));
  log(`  schema: ${schema.map((file) => file.name).join(', ')}, then ${refresh.name}`);
  const retired = [];
  for (const procedure of RETIRED_MERGE_PROCEDURES)
    if ((await warehouse.query(PROCEDURE_EXISTS, { procedure })).rows.length > 0)
      retired.push(dropProcedureStatement(procedure));
  await warehouse.executeBatch([...retired, mergeProcedureStatement(merge.sql)]);
  log(
    `  merge: ${MERGE_PROCEDURES.mergeLanding} (called by the schedule)${retired.length > 0 ? `; ${retired.join(', ')}` : ''}`,
  );
  const userExists = async (login: WarehouseLogin) =>
    (await warehouse.query('SELECT 1 FROM pg_user WHERE usename = :username', { username: login.username })).rows
      .length > 0;
  const roleExists = (await warehouse.query(biRoleExistsQuery(engine), { role: biRole })).rows.length > 0;
  await warehouse.executeBatch([
    ...loaderStatements(users.loader, await userExists(users.loader)),
    ...mergeRunnerStatements(users.mergeRunner, await userExists(users.mergeRunner)),
    ...glueBatchStatements(users.glueBatch, await userExists(users.glueBatch)),
    ...biRoleStatements(engine, biRole, roleExists),
  ]);
  log(
    `  users: ${users.loader.username} (INSERT on retail.invoice_line_landing), ${users.mergeRunner.username} (EXECUTE on ${MERGE_PROCEDURES.mergeLanding}), ${users.glueBatch.username} (the Glue job: landing INSERT, the ledger, the merge), role ${biRole} (SELECT on retail)`,
  );
}

/** Drops a procedure of RETIRED_MERGE_PROCEDURES (they take no arguments). */
export function dropProcedureStatement(procedure: string): string {
  return `DROP PROCEDURE ${procedure}()`;
}

/**
 * The merge as one procedure with its owner's rights: merge-landing.sql in one transaction, the fact table and the
 * precomputed tables it keeps together. Redshift: "If you specify SECURITY DEFINER, the procedure uses the privileges
 * of the owner of the procedure" (CREATE PROCEDURE). Overlapping runs wait for each other: the file starts with
 * LOCK retail.merge_watermark.
 */
export function mergeProcedureStatement(mergeSql: string): string {
  const body = splitSqlStatements(mergeSql)
    .map((statement) => `  ${statement};`)
    .join('\n');
  return `CREATE OR REPLACE PROCEDURE ${MERGE_PROCEDURES.mergeLanding} AS $$\nBEGIN\n${body}\nEND;\n$$ LANGUAGE plpgsql SECURITY DEFINER`;
}

/** The delivery stream's user: created (or its password reset), INSERT on the landing table only. */
export function loaderStatements(login: WarehouseLogin, userExists: boolean): string[] {
  return [
    userStatement(login, userExists),
    `GRANT USAGE ON SCHEMA retail TO ${login.username}`,
    `GRANT INSERT ON retail.invoice_line_landing TO ${login.username}`,
  ];
}

/** The schedule's user: it may call the merge procedures, nothing else (they run with their owner's rights). */
export function mergeRunnerStatements(login: WarehouseLogin, userExists: boolean): string[] {
  return [
    userStatement(login, userExists),
    `GRANT USAGE ON SCHEMA retail TO ${login.username}`,
    ...Object.values(MERGE_PROCEDURES).flatMap((procedure) => [
      `REVOKE EXECUTE ON PROCEDURE ${procedure} FROM PUBLIC`,
      `GRANT EXECUTE ON PROCEDURE ${procedure} TO ${login.username}`,
    ]),
  ];
}

/** The batch load's ledger (resources/warehouse/0080-batch-load-ledger.sql), written in each load's COPY transaction. */
export const BATCH_LOAD_LEDGER = 'retail.batch_load_ledger';

/**
 * The Glue job's user (resources/glue-warehouse.yml): what resources/glue/load-raw-to-warehouse.py runs through the
 * Data API and nothing more. COPY into the landing table ("To use the COPY command, you must have INSERT privilege
 * for the Amazon Redshift table", COPY), SELECT and INSERT on the ledger, EXECUTE on the merge procedures (they run
 * with their owner's rights, as the schedule's). The grants of the job's earlier Spark version (the merge's own
 * tables, TEMP) are taken back from an existing user.
 */
export function glueBatchStatements(login: WarehouseLogin, userExists: boolean): string[] {
  const user = login.username;
  return [
    userStatement(login, userExists),
    ...(userExists
      ? [
          `REVOKE ALL ON retail.invoice_line_landing FROM ${user}`,
          `REVOKE ALL ON retail.fact_invoice_line FROM ${user}`,
          `REVOKE ALL ON retail.merge_watermark FROM ${user}`,
          `REVOKE TEMPORARY ON DATABASE retail FROM ${user}`,
        ]
      : []),
    `GRANT USAGE ON SCHEMA retail TO ${user}`,
    `GRANT INSERT ON retail.invoice_line_landing TO ${user}`,
    `GRANT SELECT, INSERT ON ${BATCH_LOAD_LEDGER} TO ${user}`,
    ...Object.values(MERGE_PROCEDURES).map((procedure) => `GRANT EXECUTE ON PROCEDURE ${procedure} TO ${user}`),
  ];
}

/**
 * The read-only BI role: USAGE on schema retail and SELECT on its tables and views, now and on what later migrations
 * add; nothing else. The same privileges on both engines: only the grantee's spelling differs (Redshift: TO ROLE r).
 * Run after every schema apply: a view created again gets its grant again.
 */
export function biRoleStatements(engine: WarehouseEngine, role: string, roleExists: boolean): string[] {
  const grantee = engine === 'redshift' ? `ROLE ${role}` : role;
  return [
    ...(roleExists ? [] : [`CREATE ROLE ${role}`]),
    `GRANT USAGE ON SCHEMA retail TO ${grantee}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA retail TO ${grantee}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA retail GRANT SELECT ON TABLES TO ${grantee}`,
  ];
}

/** Whether the role `:role` exists: Redshift's roles are in SVV_ROLES, PostgreSQL's in pg_roles. */
function biRoleExistsQuery(engine: WarehouseEngine): string {
  return engine === 'redshift'
    ? 'SELECT 1 FROM svv_roles WHERE role_name = :role'
    : 'SELECT 1 FROM pg_roles WHERE rolname = :role';
}

function userStatement({ username, password }: WarehouseLogin, userExists: boolean): string {
  if (!USER_NAME.test(username)) throw new Error(`The secret's username ${username} is no Redshift user name.`);
  const literal = `'${password.replaceAll("'", "''")}'`;
  return userExists ? `ALTER USER ${username} PASSWORD ${literal}` : `CREATE USER ${username} PASSWORD ${literal}`;
}
