import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  createDynamoDbClient,
  createRedshiftDataClient,
  createS3Client,
  RedshiftDataWarehouse,
  type AwsClientSettings,
} from '@retail/adapters';
import {
  createLocalAwsClients,
  declaredBuckets,
  declaredDeliveryStreams,
  declaredTables,
  readPlatformTemplate,
  type PlatformTemplate,
  type StackFile,
} from '@retail/local-platform';
import type { RawBucketLayout } from './reconcile-raw-bucket';
import type { WarehouseTarget } from './reconcile-warehouse';

/** The sinks to reconcile and the clients that read them; absent sinks are not checked. */
export interface ReconcileTargets {
  /** Where the sinks are, for the report's heading. */
  platform: string;
  invoiceTable: { client: DynamoDBClient; tableName: string } | undefined;
  rawBucket: { client: S3Client; layout: RawBucketLayout } | undefined;
  /** Queried through the Redshift Data API: the stage's workgroup, or the local Data API over the local warehouse. */
  warehouse: WarehouseTarget | undefined;
  /** Why a sink is absent, e.g. the stack file lists no such bucket. */
  notChecked: string[];
  close(): void;
}

/** What a stage's platform template declares about the sinks: read from it, so no name or prefix is written twice. */
export interface SinkDeclarations {
  invoiceTable: { logicalId: string; tableName: string };
  /** bucketName keeps `${AWS::AccountId}`: the account fills it in on deploy. */
  rawBucket: { logicalId: string; bucketName: string; linesPrefix: string; errorsPrefix: string };
  /** Undefined for a template without a Redshift Serverless workgroup. */
  warehouse: WarehouseDeclaration | undefined;
}

// Stands for the account in names resolved without one: a deployed bucket's name ends in its account id.
const ACCOUNT_ID = '${AWS::AccountId}';

/**
 * The invoice table is the template's one DynamoDB table; the raw bucket is the one the raw events delivery stream
 * writes to (its BucketARN), under its Prefix, with failures under its ErrorOutputPrefix; the warehouse is its one
 * Redshift Serverless workgroup.
 */
export function sinkDeclarationsOf(template: PlatformTemplate): SinkDeclarations {
  const tables = declaredTables(template, ACCOUNT_ID);
  const deliveryStreams = declaredDeliveryStreams(template, ACCOUNT_ID);
  const [table] = tables;
  const [stream] = deliveryStreams;
  if (tables.length !== 1 || table === undefined)
    throw new Error(
      `${template.service} declares ${tables.length} DynamoDB tables; reconcile expects the one invoice table`,
    );
  if (deliveryStreams.length !== 1 || stream === undefined)
    throw new Error(
      `${template.service} declares ${deliveryStreams.length} delivery streams; reconcile expects the one raw events stream`,
    );
  const bucket = declaredBuckets(template, ACCOUNT_ID).find((candidate) => candidate.name === stream.bucket);
  if (bucket === undefined)
    throw new Error(`${stream.logicalId} delivers to ${stream.bucket}, a bucket ${template.service} does not declare`);
  return {
    invoiceTable: { logicalId: table.logicalId, tableName: table.name },
    rawBucket: {
      logicalId: bucket.logicalId,
      bucketName: bucket.name,
      linesPrefix: staticPrefix(stream.prefix),
      errorsPrefix: staticPrefix(stream.errorOutputPrefix),
    },
    warehouse: warehouseDeclarationOf(template),
  };
}

/** The warehouse a stage's template declares: its Redshift Serverless workgroup and its namespace's database. */
export interface WarehouseDeclaration {
  workgroupName: string;
  database: string;
}

/** The template's one Redshift Serverless workgroup and its namespace's DbName; undefined without one. */
function warehouseDeclarationOf(template: PlatformTemplate): WarehouseDeclaration | undefined {
  const ofType = (type: string) =>
    Object.entries(template.resources).flatMap(([logicalId, resource]) => (resource.Type === type ? [logicalId] : []));
  const workgroups = ofType('AWS::RedshiftServerless::Workgroup');
  const namespaces = ofType('AWS::RedshiftServerless::Namespace');
  if (workgroups.length === 0) return undefined;
  if (workgroups.length > 1 || namespaces.length !== 1)
    throw new Error(
      `${template.service} declares ${workgroups.length} Redshift Serverless workgroups and ${namespaces.length} namespaces; reconcile expects one of each`,
    );
  // Read as `sls print` gives them: both names are plain text, and the rest (subnets, keys) has no local name.
  const workgroup = template.resources[workgroups[0]!]?.Properties ?? {};
  const namespace = template.resources[namespaces[0]!]?.Properties ?? {};
  const { WorkgroupName: workgroupName } = workgroup;
  // Redshift's default database when the namespace names none.
  const { DbName: database = 'dev' } = namespace;
  if (typeof workgroupName !== 'string' || typeof database !== 'string')
    throw new Error(`${workgroups[0]} must declare a WorkgroupName and ${namespaces[0]} a DbName as text`);
  return { workgroupName, database };
}

/** The sinks a stage's platform stack declares, through `sls print` (about 2 s). */
export async function readSinkDeclarations(stage: string): Promise<SinkDeclarations> {
  return sinkDeclarationsOf(await readPlatformTemplate(stage));
}

/** `invoice-lines/year=!{partitionKeyFromQuery:year}/...` -> `invoice-lines/`: the folder every object's key starts with. */
function staticPrefix(template: string): string {
  const expression = template.indexOf('!{');
  return expression === -1 ? template : template.slice(0, template.lastIndexOf('/', expression) + 1);
}

/**
 * The sinks of a running local platform, all from its stack file: its one table, and the bucket its one delivery
 * stream to S3 writes to, under the prefixes the stack file gives.
 */
export function targetsOfLocalStack(stack: StackFile): ReconcileTargets {
  const tables = Object.values(stack.resources.tables);
  const deliveryStreams = Object.values(stack.resources.deliveryStreams ?? {}).filter(
    (stream) => stream.destination === 'S3',
  );
  if (tables.length > 1 || deliveryStreams.length > 1)
    throw new Error(
      `the stack file lists ${tables.length} tables and ${deliveryStreams.length} delivery streams to S3; reconcile expects one of each`,
    );
  const [table] = tables;
  const [stream] = deliveryStreams;
  const bucket = stream && Object.values(stack.resources.buckets).find((candidate) => candidate.name === stream.bucket);
  const notChecked: string[] = [];
  if (!table) notChecked.push('dynamodb: the stack file lists no table');
  if (!stream) notChecked.push('raw s3: the stack file lists no delivery stream');
  else if (!bucket)
    notChecked.push(`raw s3: the stack file lists no bucket ${stream.bucketLogicalId ?? stream.bucket}`);
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  const warehouse = localWarehouseTarget(stack, notChecked);
  const layout = stream && {
    bucket: stream.bucket,
    linesPrefix: staticPrefix(stream.prefix),
    errorsPrefix: staticPrefix(stream.errorOutputPrefix),
  };
  return {
    platform: `the local platform (stage ${stack.stage})`,
    invoiceTable: table ? { client: clients.dynamodb, tableName: table.name } : undefined,
    rawBucket: bucket && layout ? { client: clients.s3, layout } : undefined,
    warehouse: warehouse?.target,
    notChecked,
    close: () => {
      clients.destroy();
      warehouse?.close();
    },
  };
}

/**
 * The local warehouse through the local Redshift Data API, as the dashboard reaches it. A stack without a warehouse
 * (a platform started before it existed) has no such sink; one with a warehouse but no Data API says so.
 */
function localWarehouseTarget(
  stack: StackFile,
  notChecked: string[],
): { target: WarehouseTarget; close(): void } | undefined {
  if (stack.warehouseUrl === undefined) return undefined;
  if (stack.endpoints.redshiftData === undefined) {
    notChecked.push('warehouse: the stack file lists no Redshift Data API endpoint');
    return undefined;
  }
  const client = createRedshiftDataClient({
    region: stack.region,
    credentials: stack.credentials,
    endpoints: { redshiftData: stack.endpoints.redshiftData },
  });
  const database = decodeURIComponent(new URL(stack.warehouseUrl).pathname.slice(1));
  // The local Data API serves its one warehouse under any workgroup name: this one only labels the statements.
  const workgroupName = `local-${stack.stage}`;
  return {
    target: {
      label: `${stack.endpoints.redshiftData} (local Redshift Data API), database ${database}`,
      queries: new RedshiftDataWarehouse(client, { workgroupName, database }),
      engine: 'postgresql',
    },
    close: () => client.destroy(),
  };
}

export interface DeployedStageOptions {
  /** Default: read from the stage's template (`sls print`). */
  declarations?: SinkDeclarations;
  /** Default: the SDK's own chain (AWS_PROFILE, AWS_REGION, ...), as a user's shell sets it. */
  clients?: AwsClientSettings;
}

/**
 * The sinks of a deployed stage: the table's name as the stage's template declares it, the bucket's (which ends in
 * the account id) found with ListBuckets.
 */
export async function targetsOfDeployedStage(
  stage: string,
  options: DeployedStageOptions = {},
): Promise<ReconcileTargets> {
  const dynamodb = createDynamoDbClient(options.clients);
  const s3 = createS3Client(options.clients);
  const redshiftData = createRedshiftDataClient(options.clients);
  const close = () => {
    dynamodb.destroy();
    s3.destroy();
    redshiftData.destroy();
  };
  try {
    const declarations = options.declarations ?? (await readSinkDeclarations(stage));
    const { warehouse } = declarations;
    const names = deployedNamePatterns(declarations);
    const bucketNames: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListBucketsCommand({ Prefix: names.bucketNamePrefix, ContinuationToken: token }));
      bucketNames.push(...(page.Buckets ?? []).flatMap((bucket) => (bucket.Name === undefined ? [] : [bucket.Name])));
      token = page.ContinuationToken;
    } while (token !== undefined);
    const bucket = pickDeployedBucket(bucketNames, names.bucketName, stage);
    const { linesPrefix, errorsPrefix } = declarations.rawBucket;
    return {
      platform: `stage ${stage} on AWS`,
      invoiceTable: { client: dynamodb, tableName: names.tableName },
      rawBucket: { client: s3, layout: { bucket, linesPrefix, errorsPrefix } },
      // The caller's IAM identity signs in (no SecretArn): it needs the bi_read_only role (README, "The warehouse").
      warehouse: warehouse && {
        label: `workgroup ${warehouse.workgroupName}, database ${warehouse.database}`,
        queries: new RedshiftDataWarehouse(redshiftData, warehouse),
        engine: 'redshift',
      },
      notChecked: warehouse ? [] : ['warehouse: the stage declares no Redshift Serverless workgroup'],
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

/** The stage's table name, and its raw bucket's name as a pattern (the account id is not known here). */
export function deployedNamePatterns(declarations: SinkDeclarations) {
  const parts = declarations.rawBucket.bucketName.split(ACCOUNT_ID);
  const escaped = parts.map((part) => part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'));
  return {
    tableName: declarations.invoiceTable.tableName,
    bucketNamePrefix: parts[0] ?? '',
    bucketName: new RegExp(`^${escaped.join('\\d{12}')}$`),
  };
}

export function pickDeployedBucket(bucketNames: readonly string[], pattern: RegExp, stage: string): string {
  const matching = bucketNames.filter((name) => pattern.test(name));
  if (matching.length === 1) return matching[0]!;
  throw new Error(
    matching.length === 0
      ? `no bucket of these credentials matches ${pattern.source}: is stage ${stage} deployed in this account and region (AWS_PROFILE, AWS_REGION)?`
      : `several buckets match ${pattern.source} (${matching.join(', ')}): reconcile cannot tell which is stage ${stage}'s raw bucket`,
  );
}
