import path from 'node:path';

/** The repository root: the platform template (serverless.yml), resources/ and services/ live here. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const DEFAULT_STATE_DIR = path.join(REPO_ROOT, '.local');
/** Moves the state (and so stack.json) for `npm start` and for every tool that finds the running platform. */
export const STATE_DIR_VARIABLE = 'RETAIL_STATE_DIR';

/** RETAIL_STATE_DIR when set, else .local/ in the repository. */
export function configuredStateDir(): string {
  return process.env[STATE_DIR_VARIABLE] || DEFAULT_STATE_DIR;
}
/**
 * serverless-esbuild's work folder, relative to the service's folder (resources/service-defaults.yml esbuild.outputWorkFolder):
 * the platform builds each service under its state directory, away from the .esbuild/ that `sls package` deletes.
 */
export const ESBUILD_WORK_FOLDER_VARIABLE = 'RETAIL_ESBUILD_WORK_FOLDER';
export const DEFAULT_SERVICES_PARENT_DIR = path.join(REPO_ROOT, 'services');
export const PLATFORM_EXPORTS_FILE = path.join(REPO_ROOT, 'resources', 'platform-exports.yml');
// The osls CLI (installed as `serverless`) that every tool and test runs: the one place it is resolved.
export const SERVERLESS_CLI = require.resolve('serverless/bin/serverless.js');

/**
 * Node flags for the platform's busy processes: a 64 MiB young generation (Node 20's default is 16 MiB) collects the
 * short-lived rows, records and requests of a load less often. Reading the full data set took about 6% less CPU with
 * it (15.6 against 16.6 s, two runs each). dynalite keeps the default: with the flag on every process, its
 * BatchWriteItem alone fell from 4,354-4,399 to 3,392-3,464 items/s. package.json passes the same flag to the
 * commands that load and read (start, load, reconcile, benches).
 */
export const BUSY_PROCESS_NODE_OPTIONS: readonly string[] = ['--max-semi-space-size=64'];

export const LOCAL_STAGE = 'local';
// The account id that resources/platform-exports.yml spells out for the local stage; the emulators put it in ARNs.
export const LOCAL_ACCOUNT_ID = '000000000000';
// s3rver accepts only this key pair and kinesalite/dynalite accept any, so every local client and child uses it.
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
// Loopback only: the emulators have no authentication.
export const LOOPBACK_HOST = '127.0.0.1';

/** Every port the platform listens on; 0 means "pick a free one". */
export interface PlatformPorts {
  api: number;
  kinesis: number;
  dynamodb: number;
  s3: number;
  firehose: number;
  /** The local Glue Data Catalog, crawlers and job (packages/local-platform/src/glue). */
  glue: number;
  /** The local warehouse (PostgreSQL): Redshift's port by default. */
  warehouse: number;
  redshiftData: number;
  /** Service i gets HTTP port base + 2i and Lambda invoke port base + 2i + 1 (0: free ports). */
  serviceBase: number;
}

export const PORT_VARIABLES: Readonly<Record<keyof PlatformPorts, { variable: string; defaultPort: number }>> = {
  api: { variable: 'RETAIL_API_PORT', defaultPort: 4000 },
  kinesis: { variable: 'RETAIL_KINESIS_PORT', defaultPort: 4567 },
  dynamodb: { variable: 'RETAIL_DYNAMODB_PORT', defaultPort: 4568 },
  s3: { variable: 'RETAIL_S3_PORT', defaultPort: 4569 },
  firehose: { variable: 'RETAIL_FIREHOSE_PORT', defaultPort: 4570 },
  glue: { variable: 'RETAIL_GLUE_PORT', defaultPort: 4572 },
  warehouse: { variable: 'RETAIL_WAREHOUSE_PORT', defaultPort: 5439 },
  redshiftData: { variable: 'RETAIL_REDSHIFT_DATA_PORT', defaultPort: 4571 },
  serviceBase: { variable: 'RETAIL_SERVICE_PORT_BASE', defaultPort: 4100 },
};

export const FREE_PORTS: PlatformPorts = {
  api: 0,
  kinesis: 0,
  dynamodb: 0,
  s3: 0,
  firehose: 0,
  glue: 0,
  warehouse: 0,
  redshiftData: 0,
  serviceBase: 0,
};

/** The ports `npm start` uses: the defaults above, each overridable by its environment variable. */
export function portsFromEnvironment(environment: NodeJS.ProcessEnv = process.env): PlatformPorts {
  const ports = { ...FREE_PORTS };
  for (const key of Object.keys(PORT_VARIABLES) as (keyof PlatformPorts)[]) {
    const { variable, defaultPort } = PORT_VARIABLES[key];
    const text = environment[variable];
    if (text === undefined || text === '') {
      ports[key] = defaultPort;
      continue;
    }
    const port = Number(text);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(
        `${variable}=${text} is not a port number: use an integer from 1 to 65535 (0 picks a free port).`,
      );
    }
    ports[key] = port;
  }
  return ports;
}

/** "RETAIL_KINESIS_PORT=4567" style hint for error messages about a port. */
export function describePortSetting(key: keyof PlatformPorts, port: number): string {
  return `${PORT_VARIABLES[key].variable}=${port}`;
}
