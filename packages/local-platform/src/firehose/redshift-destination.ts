import { parseCopyStatement, type CopyOptions } from '../redshift-data/copy-statement';
import { DeliveryStreamDefinitionError, integerAt, objectAt } from './extended-s3-destination';
import { DEFAULT_PREFIX, parseS3PrefixTemplate, type S3PrefixTemplate } from './s3-object-key';

/**
 * What the local Firehose does with a Kinesis-sourced delivery stream whose destination is Redshift, read from the
 * stream's CloudFormation `KinesisStreamSourceConfiguration` and `RedshiftDestinationConfiguration` (intrinsics
 * resolved). What only matters on AWS (roles, the JDBC URL and the credentials: locally the warehouse's own URL,
 * CloudWatch logging, encryption) is ignored; anything else it cannot reproduce is refused with its path.
 */
export interface RedshiftDeliveryDefinition {
  sourceStreamArn: string;
  copy: RedshiftCopyCommand;
  /** RetryOptions.DurationInSeconds: 0 means one attempt. */
  retryDurationInSeconds: number;
  staging: {
    bucketName: string;
    /** The declared Prefix, with AWS's hourly folder appended when it has no timestamp of its own. */
    prefix: S3PrefixTemplate;
    /** Where manifests go: `<declared prefix>manifests/` and the same hourly folder. */
    manifestPrefix: S3PrefixTemplate;
    errorOutputPrefix: S3PrefixTemplate | undefined;
    compression: 'GZIP' | 'UNCOMPRESSED';
    bufferingHints: { sizeInMBs: number; intervalInSeconds: number };
  };
  /** As declared, for DescribeDeliveryStream. */
  declared: Readonly<Record<string, unknown>>;
}

export interface RedshiftCopyCommand {
  /** schema.table as declared. */
  table: string;
  /** DataTableColumns, in order; empty when none is declared (then every column, in table order). */
  columns: readonly string[];
  /** CopyOptions as declared. */
  optionsText: string;
  /** The destination's RoleARN: Firehose's COPY reads S3 with it (CREDENTIALS 'aws_iam_role=...'). */
  roleArn: string;
  /** CopyOptions as the local COPY reads them (it refuses what it cannot run). */
  options: CopyOptions;
}

const IGNORED_DESTINATION_PROPERTIES = new Set([
  'ClusterJDBCURL',
  'CloudWatchLoggingOptions',
  'SecretsManagerConfiguration',
  'Username',
  'Password',
]);
const READ_DESTINATION_PROPERTIES = new Set([
  'CopyCommand',
  'RoleARN',
  'RetryOptions',
  'S3Configuration',
  'S3BackupMode',
  'ProcessingConfiguration',
]);
const IGNORED_S3_PROPERTIES = new Set(['RoleARN', 'CloudWatchLoggingOptions', 'EncryptionConfiguration']);
const READ_S3_PROPERTIES = new Set(['BucketARN', 'Prefix', 'ErrorOutputPrefix', 'CompressionFormat', 'BufferingHints']);

/**
 * Parses a resolved Kinesis-sourced Redshift delivery stream; `where` names it in error messages. Its COPY is parsed
 * by the local COPY's own parser, so an option it cannot run is refused here, before anything starts.
 */
export async function parseRedshiftDestination(
  source: unknown,
  destination: unknown,
  where: string,
): Promise<RedshiftDeliveryDefinition> {
  // Annotated so that the compiler knows a call to it never returns.
  const fail: (path: string, message: string) => never = (path, message) => {
    throw new DeliveryStreamDefinitionError(`${where}.${path} ${message}`);
  };
  const sourceConfig = objectAt(source, `${where}.KinesisStreamSourceConfiguration`);
  const sourceStreamArn = sourceConfig.KinesisStreamARN;
  if (
    typeof sourceStreamArn !== 'string' ||
    !/^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream\/.+$/.test(sourceStreamArn)
  )
    fail(
      'KinesisStreamSourceConfiguration.KinesisStreamARN',
      `must be a resolved stream ARN, got ${JSON.stringify(sourceStreamArn)}.`,
    );

  const at = 'RedshiftDestinationConfiguration';
  const config = objectAt(destination, `${where}.${at}`);
  for (const key of Object.keys(config)) {
    if (!READ_DESTINATION_PROPERTIES.has(key) && !IGNORED_DESTINATION_PROPERTIES.has(key))
      fail(
        `${at}.${key}`,
        'is not emulated by the local Firehose: remove it or extend packages/local-platform/src/firehose.',
      );
  }
  if (config.S3BackupMode !== undefined && config.S3BackupMode !== 'Disabled')
    fail(`${at}.S3BackupMode`, `is ${JSON.stringify(config.S3BackupMode)}: source record backup is not emulated.`);
  if (config.ProcessingConfiguration !== undefined) {
    const processing = objectAt(config.ProcessingConfiguration, `${where}.${at}.ProcessingConfiguration`);
    if (processing.Enabled === true || processing.Enabled === 'true')
      fail(`${at}.ProcessingConfiguration`, 'is enabled: the local Firehose runs no processor before a Redshift COPY.');
  }

  const retry = config.RetryOptions === undefined ? {} : objectAt(config.RetryOptions, `${where}.${at}.RetryOptions`);
  // AWS's default when RetryOptions is absent: an hour.
  const retryDurationInSeconds = integerAt(
    retry.DurationInSeconds ?? 3600,
    `${where}.${at}.RetryOptions.DurationInSeconds`,
    0,
    7200,
  );

  const s3 = objectAt(config.S3Configuration, `${where}.${at}.S3Configuration`);
  for (const key of Object.keys(s3)) {
    if (!READ_S3_PROPERTIES.has(key) && !IGNORED_S3_PROPERTIES.has(key))
      fail(`${at}.S3Configuration.${key}`, 'is not emulated by the local Firehose.');
  }
  const bucketName =
    typeof s3.BucketARN === 'string' ? /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(s3.BucketARN)?.[1] : undefined;
  if (bucketName === undefined)
    fail(`${at}.S3Configuration.BucketARN`, `must be a resolved bucket ARN, got ${JSON.stringify(s3.BucketARN)}.`);
  const compression = (s3.CompressionFormat ?? 'UNCOMPRESSED') as string;
  // AWS refuses SNAPPY, ZIP and HADOOP_SNAPPY for a Redshift destination: COPY reads none of them.
  if (compression !== 'GZIP' && compression !== 'UNCOMPRESSED')
    fail(
      `${at}.S3Configuration.CompressionFormat`,
      `is ${JSON.stringify(compression)}: a Redshift destination takes GZIP or UNCOMPRESSED.`,
    );
  const hints =
    s3.BufferingHints === undefined ? {} : objectAt(s3.BufferingHints, `${where}.${at}.S3Configuration.BufferingHints`);
  const sizeInMBs = integerAt(hints.SizeInMBs ?? 5, `${where}.${at}.S3Configuration.BufferingHints.SizeInMBs`, 1, 128);
  const intervalInSeconds = integerAt(
    hints.IntervalInSeconds ?? 300,
    `${where}.${at}.S3Configuration.BufferingHints.IntervalInSeconds`,
    0,
    900,
  );
  const prefixText = typeof s3.Prefix === 'string' ? s3.Prefix : '';
  const prefix = template(prefixText, `${where}.${at}.S3Configuration.Prefix`);
  if (prefix.partitionKeys.length > 0 || prefix.usesErrorOutputType)
    fail(
      `${at}.S3Configuration.Prefix`,
      'may use only !{timestamp:...} and !{firehose:random-string} without dynamic partitioning.',
    );
  const errorOutputPrefix =
    typeof s3.ErrorOutputPrefix === 'string'
      ? template(s3.ErrorOutputPrefix, `${where}.${at}.S3Configuration.ErrorOutputPrefix`)
      : undefined;

  const roleArn = typeof config.RoleARN === 'string' ? config.RoleARN : PLACEHOLDER_ROLE;
  const copy = await readCopyCommand(config.CopyCommand, roleArn, `${where}.${at}.CopyCommand`);
  if (copy.options.gzip !== (compression === 'GZIP')) {
    fail(
      `${at}.CopyCommand.CopyOptions`,
      `${copy.options.gzip ? 'says GZIP but the staged objects are not compressed' : 'lacks GZIP but the staged objects are gzipped'}: every COPY would fail on AWS.`,
    );
  }
  const hasTimestamp = prefix.parts.some((part) => part.kind === 'timestamp');
  const stagingPrefix = (suffix: string) =>
    template(prefixText + suffix + (hasTimestamp ? '' : DEFAULT_PREFIX), `${where}.${at}.S3Configuration.Prefix`);
  return {
    sourceStreamArn,
    copy,
    retryDurationInSeconds,
    staging: {
      bucketName,
      // A prefix without a timestamp gets AWS's hourly folder after it.
      prefix: stagingPrefix(''),
      manifestPrefix: stagingPrefix('manifests/'),
      errorOutputPrefix,
      compression,
      bufferingHints: { sizeInMBs, intervalInSeconds },
    },
    declared: config,
  };
}

async function readCopyCommand(value: unknown, roleArn: string, where: string): Promise<RedshiftCopyCommand> {
  const command = objectAt(value, where);
  for (const key of Object.keys(command)) {
    if (!['DataTableName', 'DataTableColumns', 'CopyOptions'].includes(key))
      throw new DeliveryStreamDefinitionError(`${where}.${key} is not a CopyCommand property.`);
  }
  const table = command.DataTableName;
  if (typeof table !== 'string' || !/^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$/i.test(table))
    throw new DeliveryStreamDefinitionError(
      `${where}.DataTableName must be a table name ([schema.]table), got ${JSON.stringify(table)}.`,
    );
  const columnsText = command.DataTableColumns ?? '';
  if (typeof columnsText !== 'string')
    throw new DeliveryStreamDefinitionError(`${where}.DataTableColumns must be a comma-separated string of columns.`);
  const columns = columnsText
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column !== '');
  for (const column of columns) {
    if (!/^[a-z_][a-z0-9_$]*$/i.test(column))
      throw new DeliveryStreamDefinitionError(
        `${where}.DataTableColumns has ${JSON.stringify(column)}, which is not a column name.`,
      );
  }
  const optionsText = command.CopyOptions ?? '';
  if (typeof optionsText !== 'string')
    throw new DeliveryStreamDefinitionError(`${where}.CopyOptions must be a string.`);
  const copy = { table, columns, optionsText, roleArn };
  return { ...copy, options: await copyOptionsOf(copy, `${where}.CopyOptions`) };
}

/**
 * The COPY Firehose issues for a staged manifest: "Firehose then issues an Amazon Redshift COPY command to load the
 * data from your S3 bucket" (Understand data delivery in Amazon Data Firehose), `COPY <DataTableName>
 * (<DataTableColumns>) FROM 's3://<bucket>/<manifest>' CREDENTIALS 'aws_iam_role=<RoleARN>' MANIFEST <CopyOptions>`:
 * the manifest form of "COPY from Amazon S3" and the role form of "[WITH] CREDENTIALS [AS] 'credentials-args'"
 * ('aws_iam_role=arn:aws:iam::<aws-account-id>:role/<role-name>', Authorization parameters).
 */
export function firehoseCopyText(
  copy: Pick<RedshiftCopyCommand, 'table' | 'columns' | 'optionsText' | 'roleArn'>,
  manifestUrl: string,
): string {
  const columns = copy.columns.length > 0 ? ` (${copy.columns.join(',')})` : '';
  return `COPY ${copy.table}${columns} FROM '${manifestUrl}' CREDENTIALS 'aws_iam_role=${copy.roleArn}' MANIFEST ${copy.optionsText}`;
}

/**
 * The CopyOptions as the local COPY reads them (the jsonpaths file the platform uploads, say), parsed within the
 * COPY Firehose would issue.
 */
export function parseCopyOptions(optionsText: string, where: string): Promise<CopyOptions> {
  return copyOptionsOf({ table: 'copy_options', columns: [], optionsText, roleArn: PLACEHOLDER_ROLE }, where);
}

const PLACEHOLDER_ROLE = 'arn:aws:iam::000000000000:role/firehose';

async function copyOptionsOf(
  copy: Pick<RedshiftCopyCommand, 'table' | 'columns' | 'optionsText' | 'roleArn'>,
  where: string,
): Promise<CopyOptions> {
  try {
    return (await parseCopyStatement(firehoseCopyText(copy, 's3://staging-bucket/manifests/manifest'))).options;
  } catch (error) {
    throw new DeliveryStreamDefinitionError(
      `${where} ${JSON.stringify(copy.optionsText)}: ${(error as Error).message}`,
    );
  }
}

function template(text: string, where: string): S3PrefixTemplate {
  try {
    return parseS3PrefixTemplate(text);
  } catch (error) {
    throw new DeliveryStreamDefinitionError(`${where} ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
}
