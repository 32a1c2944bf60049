import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '@retail/adapters';
import { createLocalAwsClients, type StackFile } from '@retail/local-platform';
import { parse, type ScalarTag } from 'yaml';
import type { RawBucketLayout } from './reconcile-raw-bucket';
import { REPOSITORY_ROOT } from '../command/repository-paths';

const RESOURCES_DIR = join(REPOSITORY_ROOT, 'resources');

/** The sinks to reconcile and the clients that read them; absent sinks are not checked. */
export interface ReconcileTargets {
  /** Where the sinks are, for the report's heading. */
  platform: string;
  invoiceTable: { client: DynamoDBClient; tableName: string } | undefined;
  rawBucket: { client: S3Client; layout: RawBucketLayout } | undefined;
  /** Why a sink is absent, e.g. the stack file lists no such bucket. */
  notChecked: string[];
  close(): void;
}

/** What resources/*.yml declare about the two sinks: read here so that no name or prefix is written twice. */
export interface SinkDeclarations {
  invoiceTable: { logicalId: string; tableName: string };
  rawBucket: { logicalId: string; bucketName: string; linesPrefix: string; errorsPrefix: string };
}

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

// CloudFormation's short forms, read as their long forms (this file only needs !GetAtt's and !Sub's text).
const CLOUDFORMATION_TAGS: ScalarTag[] = ['Ref', 'Sub', 'GetAtt', 'ImportValue'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }),
}));

/**
 * The invoice table is the template's one DynamoDB table; the raw bucket is the one the raw events delivery stream
 * writes to (its BucketARN), under its Prefix, with failures under its ErrorOutputPrefix. Names keep their
 * `${self:custom.names.*}` and `${AWS::AccountId}` variables: the stage and account fill them in.
 */
export function readSinkDeclarations(resourcesDir = RESOURCES_DIR): SinkDeclarations {
  const read = (file: string) =>
    parse(readFileSync(join(resourcesDir, file), 'utf8'), { customTags: CLOUDFORMATION_TAGS }) as Template;
  const tables = Object.entries(read('dynamodb.yml').Resources).filter(
    ([, resource]) => resource.Type === 'AWS::DynamoDB::Table',
  );
  if (tables.length !== 1)
    throw new Error(
      `resources/dynamodb.yml declares ${tables.length} DynamoDB tables; reconcile expects the one invoice table`,
    );
  const [tableLogicalId, table] = tables[0]!;

  const deliveryStreams = Object.values(read('firehose.yml').Resources).filter(
    (resource) => resource.Type === 'AWS::KinesisFirehose::DeliveryStream',
  );
  if (deliveryStreams.length !== 1)
    throw new Error(
      `resources/firehose.yml declares ${deliveryStreams.length} delivery streams; reconcile expects the one raw events stream`,
    );
  const destination = deliveryStreams[0]!.Properties.ExtendedS3DestinationConfiguration as Record<string, unknown>;
  const bucketArn = (destination.BucketARN as { 'Fn::GetAtt'?: string } | undefined)?.['Fn::GetAtt'];
  const bucketLogicalId = bucketArn?.replace(/\.Arn$/, '');
  if (!bucketLogicalId)
    throw new Error("resources/firehose.yml: the raw events delivery stream's BucketARN is not `!GetAtt <bucket>.Arn`");
  const bucket = read('s3.yml').Resources[bucketLogicalId];
  const bucketName = (bucket?.Properties.BucketName as { 'Fn::Sub'?: string } | string | undefined) ?? '';

  return {
    invoiceTable: { logicalId: tableLogicalId, tableName: String(table.Properties.TableName) },
    rawBucket: {
      logicalId: bucketLogicalId,
      bucketName: typeof bucketName === 'string' ? bucketName : (bucketName['Fn::Sub'] ?? ''),
      linesPrefix: staticPrefix(String(destination.Prefix ?? '')),
      errorsPrefix: staticPrefix(String(destination.ErrorOutputPrefix ?? '')),
    },
  };
}

/** `invoice-lines/year=!{partitionKeyFromQuery:year}/...` -> `invoice-lines/`: the folder every object's key starts with. */
function staticPrefix(template: string): string {
  const expression = template.indexOf('!{');
  return expression === -1 ? template : template.slice(0, template.lastIndexOf('/', expression) + 1);
}

/** The sinks of a running local platform: those its stack file lists, at its emulators' endpoints. */
export function targetsOfLocalStack(
  stack: StackFile,
  declarations: SinkDeclarations = readSinkDeclarations(),
): ReconcileTargets {
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  const table = stack.resources.tables[declarations.invoiceTable.logicalId];
  const bucket = stack.resources.buckets[declarations.rawBucket.logicalId];
  const { linesPrefix, errorsPrefix } = declarations.rawBucket;
  const notChecked = [
    ...(table ? [] : [`dynamodb: the stack file lists no table ${declarations.invoiceTable.logicalId}`]),
    ...(bucket ? [] : [`raw s3: the stack file lists no bucket ${declarations.rawBucket.logicalId}`]),
  ];
  return {
    platform: `the local platform (stage ${stack.stage})`,
    invoiceTable: table ? { client: clients.dynamodb, tableName: table.name } : undefined,
    rawBucket: bucket ? { client: clients.s3, layout: { bucket: bucket.name, linesPrefix, errorsPrefix } } : undefined,
    notChecked,
    close: () => clients.destroy(),
  };
}

/**
 * The sinks of a deployed stage, with the SDK's default credentials and region (AWS_PROFILE, AWS_REGION, ...): the
 * table's name from resources/names.yml, the bucket's (which ends in the account id) found with ListBuckets.
 */
export async function targetsOfDeployedStage(
  stage: string,
  declarations: SinkDeclarations = readSinkDeclarations(),
): Promise<ReconcileTargets> {
  const dynamodb = new DynamoDBClient({});
  const s3 = createS3Client();
  const close = () => {
    dynamodb.destroy();
    s3.destroy();
  };
  try {
    const names = deployedNamePatterns(stage, declarations);
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
      notChecked: [],
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

/** The stage's table name, and its raw bucket's name as a pattern (the account id is not known here). */
export function deployedNamePatterns(stage: string, declarations: SinkDeclarations, resourcesDir = RESOURCES_DIR) {
  const names = parse(readFileSync(join(resourcesDir, 'names.yml'), 'utf8')) as Record<string, string>;
  const resolve = (template: string) =>
    template
      .replace(/\$\{self:custom\.names\.(\w+)\}/g, (whole, key: string) => names[key] ?? whole)
      .replaceAll('${sls:stage}', stage);
  const tableName = resolve(declarations.invoiceTable.tableName);
  const bucketTemplate = resolve(declarations.rawBucket.bucketName);
  const [bucketNamePrefix = ''] = bucketTemplate.split('${AWS::AccountId}');
  const escaped = bucketTemplate.split('${AWS::AccountId}').map((part) => part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'));
  return { tableName, bucketNamePrefix, bucketName: new RegExp(`^${escaped.join('\\d{12}')}$`) };
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
