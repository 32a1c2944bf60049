import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configuredStateDir } from './platform-settings';

/** What a running local platform tells other tools (loader, tests, bench): written to `<stateDir>/stack.json`. */
export interface StackFile {
  stage: string;
  region: string;
  accountId: string;
  /** Base URL of every service's HTTP routes, stage included, e.g. http://127.0.0.1:4000/local. */
  apiUrl: string;
  /** The local warehouse (embedded PostgreSQL standing in for Redshift), a postgres:// URL psql and pg accept. */
  warehouseUrl?: string;
  /** The same warehouse as the read-only BI login (SELECT on schema retail, nothing else): for BI tools. */
  warehouseBiUrl?: string;
  /** The dashboard page with the API key in its fragment (when a service serves GET /dashboard). */
  dashboardUrl?: string;
  /** Send as `x-api-key` to routes declared `private: true`. */
  apiKey: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  endpoints: StackEndpoints;
  resources: StackResources;
  routes: StackRoute[];
  /** Variables a process needs to reach the local platform with the AWS SDK (region, credentials, endpoints). */
  environment: Record<string, string>;
  /** Process id of each child process (emulators, services), for diagnostics. */
  processes: Record<string, number>;
  stateDir: string;
  /** The platform's own process: stack.json is stale if it is gone. */
  pid: number;
  startedAt: string;
}

export interface StackEndpoints {
  kinesis: string;
  dynamodb: string;
  s3: string;
  /** The local Firehose (no npm emulator exists: packages/local-platform/src/firehose). */
  firehose?: string;
  /** The local Glue (Data Catalog, crawlers, job; no npm emulator exists: packages/local-platform/src/glue). */
  glue?: string;
  /** The local Redshift Data API over the warehouse (packages/local-platform/src/redshift-data). */
  redshiftData?: string;
  services: Record<string, ServiceEndpoints>;
}

export interface ServiceEndpoints {
  /** serverless-offline's own HTTP server; absent when the service declares no http events. */
  http?: string;
  /** serverless-offline's Lambda Invoke endpoint (for @aws-sdk/client-lambda). */
  lambda: string;
}

export interface StackResources {
  streams: Record<string, StreamResource>;
  tables: Record<string, TableResource>;
  buckets: Record<string, BucketResource>;
  deliveryStreams?: Record<string, DeliveryStreamResource>;
}

export interface DeliveryStreamResource {
  name: string;
  arn: string;
  /** Where it delivers: the raw archive's stream writes S3 objects, the warehouse's COPYs into Redshift. */
  destination: 'S3' | 'Redshift';
  /** The bucket it writes to: its objects (S3), or its staged batches and manifests (Redshift). */
  bucket: string;
  /** The logical id of the bucket it delivers to, when the platform declares that bucket. */
  bucketLogicalId?: string;
  prefix: string;
  errorOutputPrefix: string;
}

export interface StreamResource {
  name: string;
  arn: string;
  shardCount: number;
}

export interface TableResource {
  name: string;
  arn: string;
  globalSecondaryIndexes: string[];
}

export interface BucketResource {
  name: string;
  arn: string;
}

export interface StackRoute {
  service: string;
  /** Upper case; ANY matches every method. */
  method: string;
  /** API Gateway template without the stage, e.g. /invoices/{invoiceNo}. */
  path: string;
  /** Needs the `x-api-key` header. */
  private: boolean;
  /** apiUrl + path. */
  url: string;
}

export const STACK_FILE_NAME = 'stack.json';

export function stackFilePath(stateDir: string = configuredStateDir()): string {
  return path.join(stateDir, STACK_FILE_NAME);
}

export async function writeStackFile(stack: StackFile): Promise<string> {
  const file = stackFilePath(stack.stateDir);
  await mkdir(stack.stateDir, { recursive: true });
  // Write then rename: a reader never sees half a file.
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(stack, null, 2)}\n`);
  await rename(partial, file);
  return file;
}

export async function removeStackFile(stateDir: string): Promise<void> {
  await rm(stackFilePath(stateDir), { force: true });
}

/**
 * Reads the stack file of a running local platform (default `<repo>/.local/stack.json`).
 * Fails with what to do when the platform is not running or the file is stale.
 */
export async function readStackFile(file: string = stackFilePath()): Promise<StackFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`No local platform is running: ${file} does not exist. Start one with \`npm start\`.`);
    }
    throw error;
  }
  const stack = parseStackFile(text, file);
  if (!isProcessAlive(stack.pid)) {
    throw new Error(
      `${file} is stale: the local platform (pid ${stack.pid}) is not running. Start it with \`npm start\`.`,
    );
  }
  return stack;
}

function parseStackFile(text: string, file: string): StackFile {
  const value: unknown = JSON.parse(text);
  const required = ['apiUrl', 'apiKey', 'region', 'stage', 'endpoints', 'resources', 'pid'] as const;
  const missing = required.filter((key) => typeof value !== 'object' || value === null || !(key in value));
  if (missing.length > 0) {
    throw new Error(
      `${file} is not a local platform stack file: it lacks ${missing.join(', ')}. Restart with \`npm start\`.`,
    );
  }
  return value as StackFile;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
