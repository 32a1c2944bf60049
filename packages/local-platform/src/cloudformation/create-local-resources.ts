import { CreateTableCommand, DescribeTableCommand, type TableDescription } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type StreamDescriptionSummary,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { createLocalAwsClients, type LocalAwsClients } from '../local-aws-clients';
import type { PlatformComponent } from '../platform-component';
import type { StackResources, StreamResource, TableResource } from '../stack-file';
import {
  declaredBuckets,
  declaredStreams,
  declaredTables,
  type DeclaredBucket,
  type DeclaredStream,
  type DeclaredTable,
  type PlatformTemplate,
} from './read-platform-template';

/** The CloudFormation types this component creates in the emulators. */
export const LOCALLY_CREATED_RESOURCE_TYPES = [
  'AWS::Kinesis::Stream',
  'AWS::DynamoDB::Table',
  'AWS::S3::Bucket',
] as const;

const ACTIVE_TIMEOUT_MS = 15_000;

/** Creates the template's streams, tables and buckets in the emulators (needs them in an earlier phase). */
export function platformResourcesComponent(): PlatformComponent {
  return {
    name: 'platform resources',
    resourceTypes: LOCALLY_CREATED_RESOURCE_TYPES,
    async start({ platform, stack }) {
      const { kinesis, dynamodb, s3 } = stack.endpoints;
      if (kinesis === undefined || dynamodb === undefined || s3 === undefined) {
        throw new Error(
          'The platform resources need the Kinesis, DynamoDB and S3 emulators started in an earlier phase.',
        );
      }
      const clients = createLocalAwsClients({ kinesis, dynamodb, s3 }, platform.region);
      try {
        const resources = await createLocalResources(platform.template, platform.accountId, clients, platform.stateDir);
        return { contribution: { resources }, stop: async () => undefined };
      } finally {
        clients.destroy();
      }
    },
  };
}

/**
 * Creates what the template declares and is missing; keeps what exists (with its data). Fails if existing local
 * state contradicts the template (other key schema, shard count or ARN): only --fresh can change that.
 */
export async function createLocalResources(
  template: PlatformTemplate,
  accountId: string,
  clients: LocalAwsClients,
  stateDir: string,
): Promise<StackResources> {
  const drift = (what: string, local: string, declared: string) =>
    new Error(
      `${what} in ${stateDir} has ${local}, but the template declares ${declared}. ` +
        'Run `npm start -- --fresh` to recreate local state (this deletes local data).',
    );
  const [streams, tables, buckets] = await Promise.all([
    Promise.all(declaredStreams(template, accountId).map((stream) => ensureStream(clients, stream, drift))),
    Promise.all(declaredTables(template, accountId).map((table) => ensureTable(clients, table, drift))),
    Promise.all(declaredBuckets(template, accountId).map((bucket) => ensureBucket(clients, bucket))),
  ]);
  return {
    streams: Object.fromEntries(streams),
    tables: Object.fromEntries(tables),
    buckets: Object.fromEntries(buckets),
  };
}

type DriftError = (what: string, local: string, declared: string) => Error;

async function ensureStream(
  { kinesis }: LocalAwsClients,
  stream: DeclaredStream,
  drift: DriftError,
): Promise<[string, StreamResource]> {
  const describe = () =>
    kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream.name })).then(
      (output) => output.StreamDescriptionSummary,
      (error: Error) => ifNotFound(error, undefined),
    );
  if ((await describe()) === undefined) {
    await kinesis
      .send(new CreateStreamCommand({ StreamName: stream.name, ShardCount: stream.shardCount }))
      .catch((error: Error) => {
        if (error.name !== 'ResourceInUseException') throw error;
      });
  }
  const summary: StreamDescriptionSummary = await waitUntilActive(`Kinesis stream ${stream.name}`, async () => {
    const current = await describe();
    return current?.StreamStatus === 'ACTIVE' ? current : undefined;
  });
  if (summary.StreamARN !== stream.arn)
    throw drift(`Kinesis stream ${stream.name}`, `ARN ${summary.StreamARN}`, stream.arn);
  if (summary.OpenShardCount !== stream.shardCount) {
    throw drift(
      `Kinesis stream ${stream.name}`,
      `${summary.OpenShardCount} open shards`,
      `ShardCount ${stream.shardCount}`,
    );
  }
  return [stream.logicalId, { name: stream.name, arn: summary.StreamARN, shardCount: stream.shardCount }];
}

async function ensureTable(
  { dynamodb }: LocalAwsClients,
  table: DeclaredTable,
  drift: DriftError,
): Promise<[string, TableResource]> {
  const describe = () =>
    dynamodb.send(new DescribeTableCommand({ TableName: table.name })).then(
      (output) => output.Table,
      (error: Error) => ifNotFound(error, undefined),
    );
  if ((await describe()) === undefined) {
    await dynamodb.send(new CreateTableCommand(table.createTable)).catch((error: Error) => {
      if (error.name !== 'ResourceInUseException') throw error;
    });
  }
  const description: TableDescription = await waitUntilActive(`DynamoDB table ${table.name}`, async () => {
    const current = await describe();
    const indexesActive = (current?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
    return current?.TableStatus === 'ACTIVE' && indexesActive ? current : undefined;
  });
  if (description.TableArn !== table.arn)
    throw drift(`DynamoDB table ${table.name}`, `ARN ${description.TableArn}`, table.arn);
  const localKeys = describeKeys(description.KeySchema, description.GlobalSecondaryIndexes);
  const declaredKeys = describeKeys(table.createTable.KeySchema, table.createTable.GlobalSecondaryIndexes);
  if (localKeys !== declaredKeys)
    throw drift(`DynamoDB table ${table.name}`, `keys ${localKeys}`, `keys ${declaredKeys}`);
  const globalSecondaryIndexes = (description.GlobalSecondaryIndexes ?? [])
    .map((index) => index.IndexName ?? '')
    .sort();
  return [table.logicalId, { name: table.name, arn: table.arn, globalSecondaryIndexes }];
}

async function ensureBucket(
  { s3 }: LocalAwsClients,
  bucket: DeclaredBucket,
): Promise<[string, { name: string; arn: string }]> {
  const exists = await s3.send(new HeadBucketCommand({ Bucket: bucket.name })).then(
    () => true,
    (error: Error) => ifNotFound(error, false),
  );
  if (!exists) await s3.send(new CreateBucketCommand({ Bucket: bucket.name }));
  return [bucket.logicalId, { name: bucket.name, arn: bucket.arn }];
}

type KeyElement = { AttributeName?: string; KeyType?: string };

/** The table's key schema and its indexes' as one comparable string, e.g. "pk HASH, sk RANGE; byCustomer: customerPk HASH". */
function describeKeys(
  keySchema: KeyElement[] | undefined,
  indexes: { IndexName?: string; KeySchema?: KeyElement[] }[] | undefined,
): string {
  const keys = (schema: KeyElement[] | undefined) =>
    (schema ?? []).map((key) => `${key.AttributeName} ${key.KeyType}`).join(', ');
  const indexKeys = (indexes ?? []).map((index) => `${index.IndexName}: ${keys(index.KeySchema)}`).sort();
  return [keys(keySchema), ...indexKeys].join('; ');
}

function ifNotFound<T>(error: Error & { $metadata?: { httpStatusCode?: number } }, value: T): T {
  if (
    error.name === 'ResourceNotFoundException' ||
    error.name === 'NotFound' ||
    error.$metadata?.httpStatusCode === 404
  )
    return value;
  throw error;
}

async function waitUntilActive<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ACTIVE_TIMEOUT_MS;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`${what} was not ACTIVE after ${ACTIVE_TIMEOUT_MS / 1000} s.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
