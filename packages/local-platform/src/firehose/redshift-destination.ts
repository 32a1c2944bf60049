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
  options: RedshiftCopyOptions;
  /** CopyOptions as declared. */
  optionsText: string;
}

export interface RedshiftCopyOptions {
  /** JSON 'auto' (case-sensitive keys), 'auto ignorecase', or a jsonpaths file in S3. */
  json: { kind: 'auto'; ignoreCase: boolean } | { kind: 'jsonpaths'; bucket: string; key: string };
  gzip: boolean;
  /** TIMEFORMAT 'auto'; without it Redshift takes 'YYYY-MM-DD HH:MI:SS' only (no ISO T). */
  timeFormatAuto: boolean;
  /** MAXERROR: row errors tolerated before the COPY fails (0: the first one fails it). */
  maxErrors: number;
  truncateColumns: boolean;
  emptyAsNull: boolean;
  blanksAsNull: boolean;
}

const IGNORED_DESTINATION_PROPERTIES = new Set([
  'ClusterJDBCURL',
  'RoleARN',
  'CloudWatchLoggingOptions',
  'SecretsManagerConfiguration',
  'Username',
  'Password',
]);
const READ_DESTINATION_PROPERTIES = new Set([
  'CopyCommand',
  'RetryOptions',
  'S3Configuration',
  'S3BackupMode',
  'ProcessingConfiguration',
]);
const IGNORED_S3_PROPERTIES = new Set(['RoleARN', 'CloudWatchLoggingOptions', 'EncryptionConfiguration']);
const READ_S3_PROPERTIES = new Set(['BucketARN', 'Prefix', 'ErrorOutputPrefix', 'CompressionFormat', 'BufferingHints']);

/** Parses a resolved Kinesis-sourced Redshift delivery stream; `where` names it in error messages. */
export function parseRedshiftDestination(
  source: unknown,
  destination: unknown,
  where: string,
): RedshiftDeliveryDefinition {
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

  const copy = readCopyCommand(config.CopyCommand, `${where}.${at}.CopyCommand`);
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

function readCopyCommand(value: unknown, where: string): RedshiftCopyCommand {
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
  return { table, columns, options: parseCopyOptions(optionsText, `${where}.CopyOptions`), optionsText };
}

/**
 * The COPY options the local Firehose honours, parsed as Redshift reads them (keywords in any case, `AS` optional).
 * Anything else is refused: an option silently skipped would load what Redshift would not.
 */
export function parseCopyOptions(text: string, where: string): RedshiftCopyOptions {
  type Token = { quoted: string; word?: undefined } | { word: string; quoted?: undefined };
  const tokens: Token[] = [...text.matchAll(/'((?:[^']|'')*)'|([^\s']+)/g)].map((match) =>
    match[1] !== undefined ? { quoted: match[1].replaceAll("''", "'") } : { word: match[2]! },
  );
  const options: RedshiftCopyOptions = {
    json: { kind: 'auto', ignoreCase: false },
    gzip: false,
    timeFormatAuto: false,
    maxErrors: 0,
    truncateColumns: false,
    emptyAsNull: false,
    blanksAsNull: false,
  };
  let sawJson = false;
  const quotedAfter = (index: number, keyword: string): { value: string; next: number } => {
    let next = index + 1;
    if (tokens[next]?.word?.toUpperCase() === 'AS') next++;
    const token = tokens[next];
    if (token?.quoted === undefined)
      throw new DeliveryStreamDefinitionError(`${where}: ${keyword} needs a quoted argument, as in ${keyword} 'auto'.`);
    return { value: token.quoted, next: next + 1 };
  };
  for (let index = 0; index < tokens.length;) {
    const token = tokens[index]!;
    if (token.word === undefined)
      throw new DeliveryStreamDefinitionError(`${where}: '${token.quoted}' follows no option that takes it.`);
    const keyword = token.word.toUpperCase();
    switch (keyword) {
      case 'JSON':
      case 'FORMAT': {
        if (keyword === 'FORMAT') {
          index++;
          const next = tokens[index];
          if (next?.word?.toUpperCase() !== 'JSON')
            throw new DeliveryStreamDefinitionError(
              `${where}: FORMAT other than JSON is not emulated (the records are JSON).`,
            );
        }
        const { value, next } = quotedAfter(index, 'JSON');
        sawJson = true;
        const lower = value.toLowerCase();
        if (lower === 'auto' || lower === 'auto ignorecase')
          options.json = { kind: 'auto', ignoreCase: lower !== 'auto' };
        else {
          const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(value);
          if (s3 === null)
            throw new DeliveryStreamDefinitionError(
              `${where}: JSON '${value}' is neither 'auto', 'auto ignorecase' nor an s3:// jsonpaths file.`,
            );
          options.json = { kind: 'jsonpaths', bucket: s3[1]!, key: s3[2]! };
        }
        index = next;
        break;
      }
      case 'GZIP':
        options.gzip = true;
        index++;
        break;
      case 'TIMEFORMAT': {
        const { value, next } = quotedAfter(index, 'TIMEFORMAT');
        if (value.toLowerCase() !== 'auto')
          throw new DeliveryStreamDefinitionError(
            `${where}: TIMEFORMAT '${value}' is not emulated; the local Firehose honours TIMEFORMAT 'auto' or none.`,
          );
        options.timeFormatAuto = true;
        index = next;
        break;
      }
      case 'MAXERROR': {
        let next = index + 1;
        if (tokens[next]?.word?.toUpperCase() === 'AS') next++;
        const count = tokens[next];
        if (count?.word === undefined || !/^\d+$/.test(count.word))
          throw new DeliveryStreamDefinitionError(`${where}: MAXERROR needs a whole number.`);
        options.maxErrors = Number(count.word);
        index = next + 1;
        break;
      }
      case 'TRUNCATECOLUMNS':
        options.truncateColumns = true;
        index++;
        break;
      case 'EMPTYASNULL':
        options.emptyAsNull = true;
        index++;
        break;
      case 'BLANKSASNULL':
        options.blanksAsNull = true;
        index++;
        break;
      default:
        throw new DeliveryStreamDefinitionError(
          `${where}: ${token.word} is a COPY option the local Firehose does not emulate (it honours JSON, GZIP, TIMEFORMAT 'auto', MAXERROR, TRUNCATECOLUMNS, EMPTYASNULL, BLANKSASNULL).`,
        );
    }
  }
  if (!sawJson)
    throw new DeliveryStreamDefinitionError(
      `${where} has no JSON option: Redshift would read the records as pipe-delimited text.`,
    );
  return options;
}

function template(text: string, where: string): S3PrefixTemplate {
  try {
    return parseS3PrefixTemplate(text);
  } catch (error) {
    throw new DeliveryStreamDefinitionError(`${where} ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
}
