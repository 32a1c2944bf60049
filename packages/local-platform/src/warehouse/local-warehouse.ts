import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { assertPortFree, findFreePort } from '../free-port';
import { childProcessEnvironment } from '../local-aws-environment';
import { NodeProcessGroup } from '../node-process-group';
import { LOOPBACK_HOST } from '../platform-settings';
import { SupervisedProcess, type Supervision } from '../supervised-process';
import { WAREHOUSE_BI_PASSWORD, WAREHOUSE_BI_USER } from './warehouse-bi-role';
import { WAREHOUSE_READY_LINE, type WarehouseServerSpec } from './warehouse-server-spec';
import type { WarehouseUsers } from '@retail/adapters';
import { LOCAL_WAREHOUSE_LOGINS_FILE, readOrCreateLocalWarehouseLogins } from './local-warehouse-logins';
import { applyRedshiftShims, migrateLocalWarehouse } from './warehouse-schema';

/** Redshift's database name and port; the admin login is local only (the data directory holds nothing secret). */
export const WAREHOUSE_DATABASE = 'retail';
export const WAREHOUSE_DEFAULT_PORT = 5439;
export const WAREHOUSE_USER = 'admin';
export const WAREHOUSE_PASSWORD = 'retail-local';

const ENTRY = path.join(__dirname, 'warehouse-process-entry.ts');
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;
// initdb takes 1-3 s on an idle machine; a busy one with 4 other agents can take several times that.
const START_TIMEOUT_MS = 120_000;
const STALE_SERVER_STOP_TIMEOUT_MS = 30_000;

export interface LocalWarehouseOptions {
  /** PostgreSQL's data directory, e.g. `<stateDir>/warehouse`; kept across restarts. */
  dataDir: string;
  /** 0 picks a free port. Default 5439. */
  port?: number;
  /** Names the setting that chose the port in the error for a busy one, e.g. RETAIL_WAREHOUSE_PORT=5439. */
  portSetting?: string;
  /**
   * Migrate the warehouse once the server is up (default true): the deploy's migration through the local Redshift
   * Data API (schema, merge procedures, users, BI role); every step is idempotent.
   */
  applySchema?: boolean;
  /** Lines PostgreSQL prints (its log), e.g. for a verbose run; default: kept only for error messages. */
  onLog?: (line: string) => void;
  /** What start-up did that a user should know (a stale server stopped...). */
  log?: (message: string) => void;
  signal?: AbortSignal;
  /** Restart the server on the same port and data when it dies (the platform's); default: only start it. */
  supervision?: Supervision;
}

export interface LocalWarehouse {
  /** postgres://user:password@127.0.0.1:port/retail: psql, pg and the local Firehose take it as is. */
  url: string;
  /** The same server as the read-only BI login (SELECT on schema retail only): for BI tools. */
  biUrl: string;
  port: number;
  /** The child process (its group holds postgres); a restart gives a new one. */
  pid: number;
  /** The warehouse users the migration created, with their local passwords (`<state dir>/warehouse-logins.json`). */
  users: WarehouseUsers;
  timings: { initdbMs: number; startMs: number; schemaMs: number };
  /** Fast shutdown (SIGINT to postgres): open sessions are ended, committed data is kept. */
  stop(): Promise<void>;
}

/** The local warehouse users' passwords, beside its data directory (which belongs to the postgres user as root). */
export function localWarehouseLoginsFile(dataDir: string): string {
  return path.join(path.dirname(path.resolve(dataDir)), LOCAL_WAREHOUSE_LOGINS_FILE);
}

export function warehouseUrl(port: number, host: string = LOOPBACK_HOST): string {
  return postgresUrl(WAREHOUSE_USER, WAREHOUSE_PASSWORD, host, port);
}

/** The read-only BI login's URL (warehouse-bi-role.ts): what BI tools connect with. */
export function warehouseBiUrl(port: number, host: string = LOOPBACK_HOST): string {
  return postgresUrl(WAREHOUSE_BI_USER, WAREHOUSE_BI_PASSWORD, host, port);
}

function postgresUrl(user: string, password: string, host: string, port: number): string {
  return `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${WAREHOUSE_DATABASE}`;
}

/** Starts the embedded PostgreSQL in a child process, recovering a server a SIGKILLed run left behind. */
export async function startLocalWarehouse(options: LocalWarehouseOptions): Promise<LocalWarehouse> {
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const dataDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  if (process.getuid?.() === 0) await makeReachableByPostgresUser(path.dirname(dataDir), log);
  await stopStaleServer(dataDir, log);
  const requestedPort = options.port ?? WAREHOUSE_DEFAULT_PORT;
  // postgres needs a real port, and start() on a busy one rejects with undefined: find or check it first.
  const port = requestedPort === 0 ? await findFreePort() : requestedPort;
  if (requestedPort !== 0) await assertPortFree(port, options.portSetting ?? `port ${port}`);
  const spec: WarehouseServerSpec = {
    dataDir,
    host: LOOPBACK_HOST,
    port,
    user: WAREHOUSE_USER,
    password: WAREHOUSE_PASSWORD,
    database: WAREHOUSE_DATABASE,
  };
  let timings = { initdbMs: 0, startMs: 0 };
  const startServer = async (signal: AbortSignal | undefined) => {
    const child = new NodeProcessGroup({
      name: 'warehouse (embedded PostgreSQL)',
      script: ENTRY,
      args: [JSON.stringify(spec)],
      nodeOptions: ['--import', TSX_LOADER],
      env: childProcessEnvironment({}),
      onLine: options.onLog,
    });
    try {
      const [, , initdbMs, startMs] = await child.waitForLine(WAREHOUSE_READY_LINE, START_TIMEOUT_MS, signal);
      timings = { initdbMs: Number(initdbMs), startMs: Number(startMs) };
      return child;
    } catch (error) {
      await child.stop(STOP_GRACE_MS);
      throw error;
    }
  };
  const server =
    options.supervision === undefined
      ? await startServer(options.signal)
      : await SupervisedProcess.start(
          {
            name: 'warehouse (embedded PostgreSQL)',
            where: () => `${LOOPBACK_HOST}:${port} with its data in ${dataDir}`,
            remedy:
              `Its last lines above say why (PostgreSQL's log). If the data in ${dataDir} is damaged, move that folder ` +
              `away (or \`npm start -- --fresh\` starts with empty state); if another program took port ${port}, stop it.`,
            supervision: options.supervision,
            start: async (signal) => {
              // A postgres whose node was killed (kill -9) still holds the data directory: stop it first.
              await stopStaleServer(dataDir, log);
              return startServer(signal);
            },
          },
          options.signal ?? new AbortController().signal,
        );
  try {
    const url = warehouseUrl(port);
    const schemaStarted = Date.now();
    const users = await readOrCreateLocalWarehouseLogins(localWarehouseLoginsFile(dataDir));
    await applyRedshiftShims(url);
    if (options.applySchema !== false) await migrateLocalWarehouse(url, users);
    return {
      url,
      biUrl: warehouseBiUrl(port),
      port,
      pid: server.pid,
      users,
      timings: { ...timings, schemaMs: Date.now() - schemaStarted },
      stop: () => server.stop(STOP_GRACE_MS),
    };
  } catch (error) {
    await server.stop(STOP_GRACE_MS);
    throw error;
  }
}

// A fast shutdown of a loaded warehouse writes a checkpoint: give it longer than the emulators' 5 s.
const STOP_GRACE_MS = 30_000;

/**
 * A SIGKILLed child leaves postgres running on its port with the data directory locked. The first line of
 * postmaster.pid is its pid: SIGINT (fast shutdown) and wait, so this start gets a clean server.
 */
async function stopStaleServer(dataDir: string, log: (message: string) => void): Promise<void> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return;
  }
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !(await isPostgresProcess(pid))) return;
  log(`warehouse: stopping PostgreSQL pid ${pid} left running on ${dataDir} by an earlier run.`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid); waited += 100) {
    if (waited >= STALE_SERVER_STOP_TIMEOUT_MS) {
      throw new Error(
        `PostgreSQL pid ${pid} (data ${dataDir}) did not stop within ${STALE_SERVER_STOP_TIMEOUT_MS / 1000} s of SIGINT: stop it (kill ${pid}) and start again.`,
      );
    }
    await sleep(100);
  }
}

// The pid in a stale postmaster.pid may since belong to another process: only a postgres is signalled.
async function isPostgresProcess(pid: number): Promise<boolean> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim() === 'postgres';
  } catch {
    return isAlive(pid) && process.platform !== 'linux';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * As root, postgres runs as the `postgres` user, which must be able to walk down to its data directory. The folder
 * holding it (the state directory, often a 0700 mkdtemp folder) gets o+x, which lets others pass, not list; an
 * unreachable folder further up is the user's to change.
 */
async function makeReachableByPostgresUser(directory: string, log: (message: string) => void): Promise<void> {
  const { mode } = await stat(directory);
  if ((mode & 0o001) === 0) {
    await chmod(directory, (mode & 0o7777) | 0o001);
    log(`warehouse: ${directory} is now o+x so that the postgres user can reach its data directory.`);
  }
  for (let current = path.dirname(directory); ; current = path.dirname(current)) {
    const { mode: parentMode } = await stat(current);
    if ((parentMode & 0o001) === 0) {
      throw new Error(
        `The warehouse runs as the postgres user, which cannot enter ${current} (mode ${(parentMode & 0o777).toString(8)}): ` +
          `chmod o+x ${current}, or choose a state directory outside it (RETAIL_STATE_DIR).`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}
