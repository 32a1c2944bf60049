import path from 'node:path';
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
import { printServerlessConfiguration, printServerlessConfigurationSync } from '../serverless-print';
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
  /**
   * custom.artifacts.files: the repository files the deploy uploads next to the stack (the Glue job's script and what
   * it reads, packages/serverless-plugins/upload-artifacts.js), each with its key.
   */
  artifacts?: ArtifactFile[];
}

export interface ArtifactFile {
  /** Absolute path of the repository file. */
  source: string;
  /** Its key in the artifacts bucket. */
  key: string;
}

/** Types in the template that have no local counterpart on purpose, and why (anything else unknown gets a warning). */
export const RESOURCE_TYPES_NOT_EMULATED: Readonly<Record<string, string>> = {
  'AWS::S3::BucketPolicy': 'the emulators do no access control',
  'AWS::IAM::Role': 'the emulators do no access control',
  'AWS::IAM::Policy': 'the emulators do no access control',
  'AWS::Logs::LogGroup': 'local processes log to the terminal',
  'AWS::Logs::LogStream': 'local processes log to the terminal',
  // The warehouse (resources/warehouse.yml): locally the embedded PostgreSQL on loopback, no network or keys around it.
  'AWS::RedshiftServerless::Namespace': 'the local warehouse (embedded PostgreSQL) stands in for it',
  'AWS::RedshiftServerless::Workgroup': 'the local warehouse (embedded PostgreSQL) stands in for it',
  'AWS::EC2::VPC': 'the local warehouse listens on loopback',
  'AWS::EC2::Subnet': 'the local warehouse listens on loopback',
  'AWS::EC2::InternetGateway': 'the local warehouse listens on loopback',
  'AWS::EC2::VPCGatewayAttachment': 'the local warehouse listens on loopback',
  'AWS::EC2::RouteTable': 'the local warehouse listens on loopback',
  'AWS::EC2::Route': 'the local warehouse listens on loopback',
  'AWS::EC2::SubnetRouteTableAssociation': 'the local warehouse listens on loopback',
  'AWS::EC2::SecurityGroup': 'the local warehouse listens on loopback',
  'AWS::KMS::Key': 'the emulators encrypt nothing',
  'AWS::KMS::Alias': 'the emulators encrypt nothing',
  'AWS::SecretsManager::Secret':
    "no Secrets Manager locally: the warehouse users' secrets are the local platform's own logins, which the local Data API signs in with",
  'AWS::Glue::Workflow': '`npm run batch` runs the crawl, then the job',
  'AWS::Glue::Trigger': '`npm run batch` runs the crawl, then the job',
  'AWS::Glue::Connection': 'the local Glue reaches the local warehouse directly (stack.json warehouseUrl)',
  'AWS::IAM::ManagedPolicy': 'the emulators do no access control',
  'AWS::EC2::SecurityGroupIngress': 'local processes talk over loopback, outside any VPC',
  'AWS::EC2::SecurityGroupEgress': 'local processes talk over loopback, outside any VPC',
  'AWS::EC2::VPCEndpoint': 'local processes talk over loopback, outside any VPC',
  // Operations (resources/alarms.yml): locally the terminal and `npm run reconcile` are the alarms.
  'AWS::SNS::Topic': 'nothing locally raises an alarm: the platform logs to the terminal',
  'AWS::SNS::TopicPolicy': 'the emulators do no access control',
  'AWS::SNS::Subscription': 'nothing locally raises an alarm: the platform logs to the terminal',
  'AWS::CloudWatch::Alarm': 'local processes log to the terminal; no CloudWatch metrics locally',
  'AWS::Logs::MetricFilter': 'local processes log to the terminal; no CloudWatch metrics locally',
};

export async function readPlatformTemplate(
  stage: string,
  repoRoot: string = REPO_ROOT,
  signal?: AbortSignal,
): Promise<PlatformTemplate> {
  return platformTemplateFromPrintedConfiguration(
    await printServerlessConfiguration(repoRoot, stage, signal),
    repoRoot,
  );
}

const templatesRead = new Map<string, PlatformTemplate>();

/**
 * readPlatformTemplate for callers that cannot wait (test fixtures): blocks while `sls print` runs, once per stage
 * and process.
 */
export function readPlatformTemplateSync(stage: string, repoRoot: string = REPO_ROOT): PlatformTemplate {
  const key = `${repoRoot}\u0000${stage}`;
  let template = templatesRead.get(key);
  if (template === undefined) {
    template = platformTemplateFromPrintedConfiguration(printServerlessConfigurationSync(repoRoot, stage), repoRoot);
    templatesRead.set(key, template);
  }
  return template;
}

/** Picks the template out of `sls print --format json` output. */
export function platformTemplateFromPrintedConfiguration(
  printed: unknown,
  repoRoot: string = REPO_ROOT,
): PlatformTemplate {
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
  return { service: printed.service, stage, region, resources: template, artifacts: artifactsOf(printed, repoRoot) };
}

function artifactsOf(printed: JsonObject, repoRoot: string): ArtifactFile[] {
  const custom = isJsonObject(printed.custom) ? printed.custom : {};
  const files = isJsonObject(custom.artifacts) && isJsonObject(custom.artifacts.files) ? custom.artifacts.files : {};
  return Object.entries(files).map(([name, file]) => {
    if (!isJsonObject(file) || typeof file.source !== 'string' || typeof file.key !== 'string')
      throw new Error(`custom.artifacts.files.${name} needs source (a repository path) and key.`);
    return { source: path.resolve(repoRoot, file.source), key: file.key };
  });
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

export interface DeclaredDeliveryStream {
  logicalId: string;
  name: string;
  arn: string;
  /** ExtendedS3DestinationConfiguration resolved, without RoleARN and CloudWatchLoggingOptions (no roles locally). */
  destination: JsonObject;
  /** The bucket it delivers to, and where: Prefix and ErrorOutputPrefix as declared (with their !{...} expressions). */
  bucket: string;
  prefix: string;
  errorOutputPrefix: string;
}

const DELIVERY_STREAM_TYPE = 'AWS::KinesisFirehose::DeliveryStream';

/** The DirectPut delivery streams and their ExtendedS3DestinationConfiguration (the raw archive's). */
export function declaredDeliveryStreams(template: PlatformTemplate, accountId: string): DeclaredDeliveryStream[] {
  const context = intrinsicContextOf(template, accountId);
  return Object.entries(template.resources)
    .filter(([, resource]) => resource.Type === DELIVERY_STREAM_TYPE && !isKinesisSourced(resource.Properties))
    .map(([logicalId, resource]) => {
      const declared = resource.Properties?.ExtendedS3DestinationConfiguration;
      if (!isJsonObject(declared))
        throw new Error(`${logicalId}: only ExtendedS3DestinationConfiguration is emulated locally for DirectPut.`);
      // Nothing runs under the role locally and logs go to the terminal: those properties are not resolved.
      const { RoleARN: _role, CloudWatchLoggingOptions: _logging, ...delivery } = declared;
      const resolved = resolveIntrinsics(delivery, context);
      const destination = isJsonObject(resolved) ? resolved : {};
      return {
        logicalId,
        name: physicalNameOf(logicalId, context),
        arn: arnOf(logicalId, context),
        destination,
        ...whereItWrites(destination),
      };
    });
}

export interface DeclaredKinesisSourcedDeliveryStream {
  logicalId: string;
  name: string;
  arn: string;
  /** KinesisStreamSourceConfiguration resolved, without its RoleARN. */
  source: JsonObject;
  /**
   * RedshiftDestinationConfiguration resolved, without what only AWS uses (roles, JDBC URL, secret, logging); its
   * S3Configuration (the staging area) without role and logging either.
   */
  destination: JsonObject;
  /** The staging bucket, and where in it: Prefix and ErrorOutputPrefix of its S3Configuration as declared. */
  bucket: string;
  prefix: string;
  errorOutputPrefix: string;
}

/** The delivery streams that read a Kinesis stream and COPY into Redshift (the warehouse's). */
export function declaredKinesisSourcedDeliveryStreams(
  template: PlatformTemplate,
  accountId: string,
): DeclaredKinesisSourcedDeliveryStream[] {
  const context = intrinsicContextOf(template, accountId);
  return Object.entries(template.resources)
    .filter(([, resource]) => resource.Type === DELIVERY_STREAM_TYPE && isKinesisSourced(resource.Properties))
    .map(([logicalId, resource]) => {
      const source = resource.Properties?.KinesisStreamSourceConfiguration;
      const declared = resource.Properties?.RedshiftDestinationConfiguration;
      if (!isJsonObject(source) || !isJsonObject(declared))
        throw new Error(
          `${logicalId}: a KinesisStreamAsSource stream is emulated locally with KinesisStreamSourceConfiguration and RedshiftDestinationConfiguration only.`,
        );
      const { RoleARN: _sourceRole, ...sourceRead } = source;
      const {
        ClusterJDBCURL: _url,
        RoleARN: _role,
        SecretsManagerConfiguration: _secret,
        CloudWatchLoggingOptions: _logging,
        S3Configuration: staging,
        ...delivery
      } = declared;
      const {
        RoleARN: _stagingRole,
        CloudWatchLoggingOptions: _stagingLogging,
        ...stagingRead
      } = isJsonObject(staging) ? staging : {};
      const resolvedSource = resolveIntrinsics(sourceRead, context);
      const resolved = resolveIntrinsics({ ...delivery, S3Configuration: stagingRead }, context);
      const destination = isJsonObject(resolved) ? resolved : {};
      return {
        logicalId,
        name: physicalNameOf(logicalId, context),
        arn: arnOf(logicalId, context),
        source: isJsonObject(resolvedSource) ? resolvedSource : {},
        destination,
        ...whereItWrites(isJsonObject(destination.S3Configuration) ? destination.S3Configuration : {}),
      };
    });
}

function isKinesisSourced(properties: unknown): boolean {
  return isJsonObject(properties) && properties.DeliveryStreamType === 'KinesisStreamAsSource';
}

function whereItWrites(s3Destination: JsonObject): { bucket: string; prefix: string; errorOutputPrefix: string } {
  return {
    bucket: String(s3Destination.BucketARN).replace(/^arn:[^:]+:s3:::/, ''),
    prefix: String(s3Destination.Prefix ?? ''),
    errorOutputPrefix: String(s3Destination.ErrorOutputPrefix ?? ''),
  };
}

/** The Properties of one resource, resolved as CloudFormation would resolve them for `accountId`. */
export function declaredProperties(template: PlatformTemplate, logicalId: string, accountId: string): JsonObject {
  const resource = template.resources[logicalId];
  if (resource === undefined) throw new Error(`The platform template declares no resource ${logicalId}.`);
  const resolved = resolveIntrinsics(resource.Properties ?? {}, intrinsicContextOf(template, accountId));
  return isJsonObject(resolved) ? resolved : {};
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
