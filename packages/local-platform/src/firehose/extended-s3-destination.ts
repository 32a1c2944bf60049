import { compilePartitionKeyQuery, type PartitionKeyQuery } from './partition-key-query';
import { DEFAULT_PREFIX, parseS3PrefixTemplate, type S3PrefixTemplate } from './s3-object-key';

/**
 * What the local Firehose does with a delivery stream, read from the stream's CloudFormation
 * `ExtendedS3DestinationConfiguration` (intrinsics resolved). Properties that change what lands in S3 are read;
 * those that only matter on AWS (RoleARN, CloudWatchLoggingOptions, EncryptionConfiguration, RetryOptions) are
 * ignored; anything this emulator cannot reproduce is refused with the property's path, never silently skipped.
 */
export interface S3DeliveryDefinition {
  prefix: S3PrefixTemplate;
  /** Undefined when the stream declares none (allowed only without dynamic partitioning). */
  errorOutputPrefix: S3PrefixTemplate | undefined;
  compression: 'GZIP' | 'UNCOMPRESSED';
  /** Appended to every object key: FileExtension, else `.gz` for GZIP, else nothing. */
  fileExtension: string;
  bufferingHints: { sizeInMBs: number; intervalInSeconds: number };
  dynamicPartitioning: boolean;
  /** The MetadataExtraction processor's query; undefined when the stream has none. */
  partitionKeyQuery: PartitionKeyQuery | undefined;
  /** The AppendDelimiterToRecord processor's delimiter, unescaped (`\n` is one newline); undefined without one. */
  recordDelimiter: string | undefined;
  /** IANA zone for `!{timestamp:...}` and the object name; UTC unless CustomTimeZone says otherwise. */
  timeZone: string;
  /** As declared, for DescribeDeliveryStream. */
  declared: Readonly<Record<string, unknown>>;
}

export class DeliveryStreamDefinitionError extends Error {
  override readonly name = 'DeliveryStreamDefinitionError';
}

const IGNORED_PROPERTIES = new Set(['BucketARN', 'RoleARN', 'CloudWatchLoggingOptions', 'EncryptionConfiguration']);
const READ_PROPERTIES = new Set([
  'Prefix',
  'ErrorOutputPrefix',
  'CompressionFormat',
  'FileExtension',
  'BufferingHints',
  'DynamicPartitioningConfiguration',
  'ProcessingConfiguration',
  'CustomTimeZone',
  'S3BackupMode',
  'DataFormatConversionConfiguration',
]);

/**
 * Parses one delivery stream's resolved ExtendedS3DestinationConfiguration. `where` names it in error messages
 * (e.g. the logical id). Applies the checks AWS applies at CreateDeliveryStream, so a definition that would not
 * deploy does not run locally either.
 */
export function parseExtendedS3Destination(configuration: unknown, where: string): S3DeliveryDefinition {
  const at = (path: string) => `${where}.ExtendedS3DestinationConfiguration${path}`;
  // Annotated so that the compiler knows a call to it never returns.
  const fail: (path: string, message: string) => never = (path, message) => {
    throw new DeliveryStreamDefinitionError(`${at(path)} ${message}`);
  };
  const config = objectAt(configuration, at(''));
  for (const key of Object.keys(config)) {
    if (!READ_PROPERTIES.has(key) && !IGNORED_PROPERTIES.has(key)) {
      fail(
        `.${key}`,
        `is not emulated by the local Firehose: remove it or extend packages/local-platform/src/firehose.`,
      );
    }
  }

  const compression = config.CompressionFormat ?? 'UNCOMPRESSED';
  if (compression !== 'GZIP' && compression !== 'UNCOMPRESSED') {
    fail(
      '.CompressionFormat',
      `is ${JSON.stringify(compression)}: the local Firehose writes GZIP or UNCOMPRESSED only.`,
    );
  }
  const fileExtension =
    optionalString(config.FileExtension, at('.FileExtension')) ?? (compression === 'GZIP' ? '.gz' : '');
  if (fileExtension !== '' && !/^\.[0-9a-z!\-_.*'()]+$/.test(fileExtension)) {
    fail('.FileExtension', `${JSON.stringify(fileExtension)} must start with a dot, as AWS requires.`);
  }
  if (config.S3BackupMode !== undefined && config.S3BackupMode !== 'Disabled') {
    fail('.S3BackupMode', `is ${JSON.stringify(config.S3BackupMode)}: source record backup is not emulated.`);
  }
  if (config.DataFormatConversionConfiguration !== undefined) {
    const conversion = objectAt(config.DataFormatConversionConfiguration, at('.DataFormatConversionConfiguration'));
    if (booleanAt(conversion.Enabled, at('.DataFormatConversionConfiguration.Enabled'), true)) {
      fail('.DataFormatConversionConfiguration', 'is enabled: record format conversion (Parquet/ORC) is not emulated.');
    }
  }

  const hints = config.BufferingHints === undefined ? {} : objectAt(config.BufferingHints, at('.BufferingHints'));
  // AWS's defaults when BufferingHints is absent: 5 MB, 300 s.
  const sizeInMBs = integerAt(hints.SizeInMBs ?? 5, at('.BufferingHints.SizeInMBs'), 1, 128);
  const intervalInSeconds = integerAt(hints.IntervalInSeconds ?? 300, at('.BufferingHints.IntervalInSeconds'), 0, 900);

  let dynamicPartitioning = false;
  if (config.DynamicPartitioningConfiguration !== undefined) {
    const partitioning = objectAt(config.DynamicPartitioningConfiguration, at('.DynamicPartitioningConfiguration'));
    dynamicPartitioning = booleanAt(partitioning.Enabled, at('.DynamicPartitioningConfiguration.Enabled'), false);
  }

  const { partitionKeyQuery, recordDelimiter } = readProcessors(
    config.ProcessingConfiguration,
    at('.ProcessingConfiguration'),
  );

  const timeZone = optionalString(config.CustomTimeZone, at('.CustomTimeZone')) ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
  } catch {
    fail(
      '.CustomTimeZone',
      `${JSON.stringify(timeZone)} is not a time zone (expected an IANA name such as Europe/London).`,
    );
  }

  const prefixText = optionalString(config.Prefix, at('.Prefix')) || (dynamicPartitioning ? '' : DEFAULT_PREFIX);
  const errorPrefixText = optionalString(config.ErrorOutputPrefix, at('.ErrorOutputPrefix'));
  const prefix = parseTemplate(prefixText, at('.Prefix'));
  const errorOutputPrefix =
    errorPrefixText === undefined ? undefined : parseTemplate(errorPrefixText, at('.ErrorOutputPrefix'));

  if (prefix.usesErrorOutputType)
    fail('.Prefix', 'uses !{firehose:error-output-type}, which only ErrorOutputPrefix may use.');
  if (errorOutputPrefix !== undefined && errorOutputPrefix.partitionKeys.length > 0) {
    fail('.ErrorOutputPrefix', 'uses !{partitionKeyFromQuery:...}: failed records have no partition keys.');
  }
  if (dynamicPartitioning) {
    if (errorOutputPrefix === undefined)
      fail('.ErrorOutputPrefix', 'is required when dynamic partitioning is enabled.');
    if (sizeInMBs < 64) fail('.BufferingHints.SizeInMBs', `is ${sizeInMBs}: dynamic partitioning needs at least 64.`);
    if (intervalInSeconds === 0)
      fail('.BufferingHints.IntervalInSeconds', 'is 0: zero buffering is not available with dynamic partitioning.');
    if (prefix.partitionKeys.length === 0)
      fail('.Prefix', 'uses no !{partitionKeyFromQuery:...} although dynamic partitioning is enabled.');
  } else if (prefix.partitionKeys.length > 0) {
    fail('.Prefix', 'uses !{partitionKeyFromQuery:...} but DynamicPartitioningConfiguration.Enabled is not true.');
  }
  if (partitionKeyQuery !== undefined && !dynamicPartitioning) {
    fail(
      '.ProcessingConfiguration',
      'declares a MetadataExtraction processor, which AWS allows only with dynamic partitioning enabled.',
    );
  }
  for (const key of prefix.partitionKeys) {
    if (partitionKeyQuery === undefined)
      fail('.Prefix', `uses !{partitionKeyFromQuery:${key}} but no MetadataExtraction processor is declared.`);
    else if (!partitionKeyQuery.keys.includes(key)) {
      fail(
        '.Prefix',
        `uses !{partitionKeyFromQuery:${key}}, which the MetadataExtractionQuery does not produce (it produces ${partitionKeyQuery.keys.join(', ')}).`,
      );
    }
  }

  return {
    prefix,
    errorOutputPrefix,
    compression,
    fileExtension,
    bufferingHints: { sizeInMBs, intervalInSeconds },
    dynamicPartitioning,
    partitionKeyQuery,
    recordDelimiter,
    timeZone,
    declared: config,
  };
}

function readProcessors(
  processing: unknown,
  where: string,
): { partitionKeyQuery?: PartitionKeyQuery; recordDelimiter?: string } {
  if (processing === undefined) return {};
  const config = objectAt(processing, where);
  const processors = config.Processors ?? [];
  if (!Array.isArray(processors)) throw new DeliveryStreamDefinitionError(`${where}.Processors must be a list.`);
  if (processors.length > 0 && config.Enabled === undefined) {
    throw new DeliveryStreamDefinitionError(
      `${where}.Enabled is missing: say true or false rather than leave the processors' fate implicit.`,
    );
  }
  if (!booleanAt(config.Enabled, `${where}.Enabled`, false)) return {};
  const result: { partitionKeyQuery?: PartitionKeyQuery; recordDelimiter?: string } = {};
  processors.forEach((processor: unknown, index) => {
    const at = `${where}.Processors[${index}]`;
    const { Type: type, Parameters: parameterList = [] } = objectAt(processor, at);
    if (!Array.isArray(parameterList)) throw new DeliveryStreamDefinitionError(`${at}.Parameters must be a list.`);
    const parameters = new Map<string, string>();
    parameterList.forEach((parameter: unknown, p) => {
      const { ParameterName: name, ParameterValue: value } = objectAt(parameter, `${at}.Parameters[${p}]`);
      if (typeof name !== 'string' || typeof value !== 'string') {
        throw new DeliveryStreamDefinitionError(
          `${at}.Parameters[${p}] needs a string ParameterName and ParameterValue.`,
        );
      }
      parameters.set(name, value);
    });
    const unexpected = (allowed: string[]) => [...parameters.keys()].filter((name) => !allowed.includes(name));
    switch (type) {
      case 'MetadataExtraction': {
        const extra = unexpected(['MetadataExtractionQuery', 'JsonParsingEngine']);
        if (extra.length > 0)
          throw new DeliveryStreamDefinitionError(
            `${at} has parameters the local Firehose does not know: ${extra.join(', ')}.`,
          );
        const engine = parameters.get('JsonParsingEngine');
        if (engine !== 'JQ-1.6')
          throw new DeliveryStreamDefinitionError(
            `${at} JsonParsingEngine is ${JSON.stringify(engine)}: JQ-1.6 is the only engine AWS offers.`,
          );
        const query = parameters.get('MetadataExtractionQuery');
        if (query === undefined) throw new DeliveryStreamDefinitionError(`${at} has no MetadataExtractionQuery.`);
        result.partitionKeyQuery = compilePartitionKeyQuery(query, `${at} MetadataExtractionQuery`);
        break;
      }
      case 'AppendDelimiterToRecord': {
        const extra = unexpected(['Delimiter']);
        if (extra.length > 0)
          throw new DeliveryStreamDefinitionError(
            `${at} has parameters the local Firehose does not know: ${extra.join(', ')}.`,
          );
        result.recordDelimiter = unescapeDelimiter(parameters.get('Delimiter') ?? '\\n', `${at} Delimiter`);
        break;
      }
      default:
        throw new DeliveryStreamDefinitionError(
          `${at} is a ${JSON.stringify(type)} processor, which the local Firehose does not emulate (it runs MetadataExtraction and AppendDelimiterToRecord).`,
        );
    }
  });
  return result;
}

/** The Delimiter parameter is written escaped (`\n`, as the console and CloudFormation examples write it). */
function unescapeDelimiter(text: string, where: string): string {
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\' };
  const delimiter = text.replace(/\\(.?)/g, (_, escaped: string) => {
    const character = escapes[escaped];
    if (character === undefined)
      throw new DeliveryStreamDefinitionError(
        `${where} ${JSON.stringify(text)} has an unknown escape \\${escaped}: use \\n, \\r, \\t or \\\\.`,
      );
    return character;
  });
  if (delimiter === '') throw new DeliveryStreamDefinitionError(`${where} is empty.`);
  return delimiter;
}

function parseTemplate(text: string, where: string): S3PrefixTemplate {
  try {
    return parseS3PrefixTemplate(text);
  } catch (error) {
    throw new DeliveryStreamDefinitionError(`${where} ${JSON.stringify(text)}: ${(error as Error).message}`);
  }
}

export function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DeliveryStreamDefinitionError(
      `${where} must be an object (with intrinsic functions resolved), got ${JSON.stringify(value)}.`,
    );
  }
  return value as Record<string, unknown>;
}

function optionalString(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new DeliveryStreamDefinitionError(
      `${where} must be a string (with intrinsic functions resolved), got ${JSON.stringify(value)}.`,
    );
  return value;
}

// CloudFormation accepts numbers and booleans written as strings; `sls print` may give either.
export function integerAt(value: unknown, where: string, min: number, max: number): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw new DeliveryStreamDefinitionError(
      `${where} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}

function booleanAt(value: unknown, where: string, absent: boolean): boolean {
  if (value === undefined) return absent;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new DeliveryStreamDefinitionError(`${where} must be true or false, got ${JSON.stringify(value)}.`);
}
