import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
  KeySchemaElement,
  LocalSecondaryIndex,
  Projection,
  ProvisionedThroughput,
} from '@aws-sdk/client-dynamodb';
import { isJsonObject, type JsonObject } from '../json-object';
import { REPO_ROOT } from '../platform-settings';
import { printServerlessConfiguration } from '../serverless-print';
import {
  arnOf,
  physicalNameOf,
  resolveIntrinsics,
  type CloudFormationResources,
  type IntrinsicContext,
} from './resolve-intrinsics';

/** The platform stack (repo-root serverless.yml) as it deploys to AWS for one stage. */
export interface PlatformTemplate {
  service: string;
  stage: string;
  region: string;
  resources: CloudFormationResources;
}

/** Types in the template that have no local counterpart on purpose, and why (anything else unknown gets a warning). */
export const RESOURCE_TYPES_NOT_EMULATED: Readonly<Record<string, string>> = {
  'AWS::S3::BucketPolicy': 'the emulators do no access control',
  'AWS::IAM::Role': 'the emulators do no access control',
  'AWS::IAM::Policy': 'the emulators do no access control',
  'AWS::Logs::LogGroup': 'local processes log to the terminal',
  'AWS::Logs::LogStream': 'local processes log to the terminal',
  'AWS::Glue::Workflow': '`npm run batch` runs the crawl, then the job',
  'AWS::Glue::Trigger': '`npm run batch` runs the crawl, then the job',
  'AWS::Glue::Connection': 'the local Glue reaches the local warehouse directly (stack.json warehouseUrl)',
  'AWS::IAM::ManagedPolicy': 'the emulators do no access control',
  'AWS::EC2::SecurityGroupIngress': 'local processes talk over loopback, outside any VPC',
  'AWS::EC2::SecurityGroupEgress': 'local processes talk over loopback, outside any VPC',
  'AWS::EC2::VPCEndpoint': 'local processes talk over loopback, outside any VPC',
};

export async function readPlatformTemplate(
  stage: string,
  repoRoot: string = REPO_ROOT,
  signal?: AbortSignal,
): Promise<PlatformTemplate> {
  return platformTemplateFromPrintedConfiguration(await printServerlessConfiguration(repoRoot, stage, signal));
}

/** Picks the template out of `sls print --format json` output. */
export function platformTemplateFromPrintedConfiguration(printed: unknown): PlatformTemplate {
  const provider = isJsonObject(printed) ? printed.provider : undefined;
  const resources = isJsonObject(printed) && isJsonObject(printed.resources) ? printed.resources.Resources : undefined;
  if (!isJsonObject(printed) || typeof printed.service !== 'string' || !isJsonObject(provider)) {
    throw new Error('`sls print` gave no service and provider: is this the platform serverless.yml?');
  }
  const { stage, region } = provider;
  if (typeof stage !== 'string' || typeof region !== 'string') {
    throw new Error(`\`sls print\` of ${printed.service} gave no provider.stage or provider.region.`);
  }
  const template: CloudFormationResources = {};
  for (const [logicalId, resource] of Object.entries(isJsonObject(resources) ? resources : {})) {
    if (!isJsonObject(resource) || typeof resource.Type !== 'string') {
      throw new Error(`Resource ${logicalId} of ${printed.service} has no Type.`);
    }
    template[logicalId] = {
      Type: resource.Type,
      Properties: isJsonObject(resource.Properties) ? resource.Properties : {},
    };
  }
  return { service: printed.service, stage, region, resources: template };
}

export function intrinsicContextOf(template: PlatformTemplate, accountId: string): IntrinsicContext {
  return {
    region: template.region,
    accountId,
    stackName: `${template.service}-${template.stage}`,
    resources: template.resources,
  };
}

export interface DeclaredStream {
  logicalId: string;
  name: string;
  arn: string;
  shardCount: number;
}

export interface DeclaredTable {
  logicalId: string;
  name: string;
  arn: string;
  /** The CreateTable request: the CloudFormation properties the emulator understands (no SSE, PITR, TTL, streams). */
  createTable: CreateTableCommandInput;
}

export interface DeclaredBucket {
  logicalId: string;
  name: string;
  arn: string;
}

// AWS gives an on-demand stream 4 shards to start with.
const ON_DEMAND_INITIAL_SHARDS = 4;

export function declaredStreams(template: PlatformTemplate, accountId: string): DeclaredStream[] {
  const context = intrinsicContextOf(template, accountId);
  return resourcesOfType(template, 'AWS::Kinesis::Stream', context).map(({ logicalId, properties }) => {
    const streamMode = isJsonObject(properties.StreamModeDetails) ? properties.StreamModeDetails.StreamMode : undefined;
    const shardCount = properties.ShardCount ?? (streamMode === 'ON_DEMAND' ? ON_DEMAND_INITIAL_SHARDS : undefined);
    if (typeof shardCount !== 'number' || !Number.isInteger(shardCount) || shardCount < 1) {
      throw new Error(
        `Kinesis stream ${logicalId} declares no ShardCount (or an invalid one: ${JSON.stringify(shardCount)}).`,
      );
    }
    return { logicalId, name: physicalNameOf(logicalId, context), arn: arnOf(logicalId, context), shardCount };
  });
}

export function declaredTables(template: PlatformTemplate, accountId: string): DeclaredTable[] {
  const context = intrinsicContextOf(template, accountId);
  return resourcesOfType(template, 'AWS::DynamoDB::Table', context).map(({ logicalId, properties }) => {
    const name = physicalNameOf(logicalId, context);
    const billingMode = properties.BillingMode === 'PAY_PER_REQUEST' ? 'PAY_PER_REQUEST' : 'PROVISIONED';
    const provisioned = (throughput: unknown) =>
      billingMode === 'PROVISIONED' ? (throughput as ProvisionedThroughput) : undefined;
    // The template's values go to the emulator as they are: it validates them as DynamoDB would.
    const createTable: CreateTableCommandInput = {
      TableName: name,
      KeySchema: requiredArray(properties, 'KeySchema', logicalId) as KeySchemaElement[],
      AttributeDefinitions: requiredArray(properties, 'AttributeDefinitions', logicalId) as AttributeDefinition[],
      BillingMode: billingMode,
      ProvisionedThroughput: provisioned(properties.ProvisionedThroughput),
      GlobalSecondaryIndexes: optionalArray(properties, 'GlobalSecondaryIndexes', logicalId)?.map(
        (index): GlobalSecondaryIndex => ({
          IndexName: index.IndexName as string,
          KeySchema: index.KeySchema as KeySchemaElement[],
          Projection: index.Projection as Projection,
          ProvisionedThroughput: provisioned(index.ProvisionedThroughput),
        }),
      ),
      LocalSecondaryIndexes: optionalArray(properties, 'LocalSecondaryIndexes', logicalId)?.map(
        (index): LocalSecondaryIndex => ({
          IndexName: index.IndexName as string,
          KeySchema: index.KeySchema as KeySchemaElement[],
          Projection: index.Projection as Projection,
        }),
      ),
    };
    return { logicalId, name, arn: arnOf(logicalId, context), createTable };
  });
}

export function declaredBuckets(template: PlatformTemplate, accountId: string): DeclaredBucket[] {
  const context = intrinsicContextOf(template, accountId);
  return resourcesOfType(template, 'AWS::S3::Bucket', context).map(({ logicalId }) => ({
    logicalId,
    name: physicalNameOf(logicalId, context),
    arn: arnOf(logicalId, context),
  }));
}

function resourcesOfType(
  template: PlatformTemplate,
  type: string,
  context: IntrinsicContext,
): { logicalId: string; properties: JsonObject }[] {
  return Object.entries(template.resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]) => {
      const properties = resolveIntrinsics(resource.Properties ?? {}, context);
      return { logicalId, properties: isJsonObject(properties) ? properties : {} };
    });
}

function optionalArray(properties: JsonObject, key: string, logicalId: string): JsonObject[] | undefined {
  const value = properties[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every(isJsonObject))
    throw new Error(`${logicalId}.${key} must be a list of mappings.`);
  return value;
}

function requiredArray(properties: JsonObject, key: string, logicalId: string): unknown[] {
  const value = optionalArray(properties, key, logicalId);
  if (value === undefined || value.length === 0) throw new Error(`${logicalId} declares no ${key}.`);
  return value;
}
