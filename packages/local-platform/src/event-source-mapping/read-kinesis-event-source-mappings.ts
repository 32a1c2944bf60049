import { isJsonObject, type JsonObject } from '../json-object';
import {
  completeKinesisEventSourceMapping,
  lambdaFunctionArn,
  parseKinesisStreamArn,
  stableMappingUuid,
  type KinesisEventSourceMapping,
  type StartingPosition,
} from './kinesis-event-source-mapping';
import { validateFilterPatterns } from './record-filter';

export interface ReadMappingsOptions {
  /** serverless-offline's Lambda endpoint for this service (its --lambdaPort). */
  lambdaEndpoint: string;
  /** Told about stream events that do not run locally (DynamoDB streams, disabled mappings). */
  log?: { warn(message: string): void };
}

// Keys of a `stream` event that osls's schema accepts (compile/events/stream.js); osls warns about others and ignores them.
const STREAM_EVENT_KEYS = new Set([
  'arn',
  'type',
  'batchSize',
  'parallelizationFactor',
  'startingPosition',
  'startingPositionTimestamp',
  'enabled',
  'consumer',
  'batchWindow',
  'maximumRetryAttempts',
  'bisectBatchOnFunctionError',
  'maximumRecordAgeInSeconds',
  'functionResponseType',
  'destinations',
  'tumblingWindowInSeconds',
  'filterPatterns',
  // This repository's plugin (packages/serverless-plugins/stream-on-failure-bucket.js): an S3 on-failure destination.
  'onFailureBucketArn',
]);

/**
 * The Kinesis event-source mappings a service declares, read from `sls print --stage local --format json` (run in
 * the service's folder): one per `stream` event of type kinesis, with the settings osls would deploy.
 * Throws, naming the function and the setting, for what AWS would reject or what cannot run locally.
 */
export function readKinesisEventSourceMappings(
  slsPrint: unknown,
  options: ReadMappingsOptions,
): KinesisEventSourceMapping[] {
  const config = typeof slsPrint === 'string' ? (JSON.parse(slsPrint) as unknown) : slsPrint;
  if (!isJsonObject(config)) throw new Error('The `sls print --format json` output is not a JSON object.');
  const service = serviceName(config);
  const provider = isJsonObject(config.provider) ? config.provider : {};
  const stage = stringSetting(provider.stage, 'provider.stage') ?? 'dev';
  const region = stringSetting(provider.region, 'provider.region') ?? 'us-east-1';
  const functions = isJsonObject(config.functions) ? config.functions : {};

  const mappings: KinesisEventSourceMapping[] = [];
  const occurrences = new Map<string, number>();
  for (const [functionKey, functionConfig] of Object.entries(functions)) {
    if (!isJsonObject(functionConfig)) continue;
    const functionName =
      stringSetting(functionConfig.name, `functions.${functionKey}.name`) ?? `${service}-${stage}-${functionKey}`;
    const events = Array.isArray(functionConfig.events) ? functionConfig.events : [];
    events.forEach((event: unknown, index) => {
      if (!isJsonObject(event) || event.stream === undefined) return;
      const where = `functions.${functionKey}.events[${index}].stream`;
      const stream = streamEvent(event.stream, where);
      if (stream.type !== 'kinesis') {
        options.log?.warn(
          `${service}: ${where} is a ${stream.type} stream; only Kinesis event sources run locally, this one will not be invoked.`,
        );
        return;
      }
      const key = `${functionName}\n${stream.arn}`;
      const occurrence = occurrences.get(key) ?? 0;
      occurrences.set(key, occurrence + 1);
      mappings.push(
        kinesisMapping(
          stream.settings,
          {
            where,
            functionName,
            streamArn: stream.arn,
            uuid: stableMappingUuid(functionName, stream.arn, occurrence),
            lambdaEndpoint: options.lambdaEndpoint,
            invokeIdentityArn: executionRoleArn(config, functionConfig, {
              service,
              stage,
              region,
              streamArn: stream.arn,
            }),
          },
          options.log,
        ),
      );
    });
  }
  return mappings;
}

interface StreamEvent {
  type: string;
  arn: string;
  settings: JsonObject;
}

function streamEvent(value: unknown, where: string): StreamEvent {
  if (typeof value === 'string') return { type: arnService(value), arn: value, settings: {} };
  if (!isJsonObject(value))
    throw new Error(`${where} must be an ARN or an object with arn; got ${JSON.stringify(value)}.`);
  const arn = value.arn;
  if (typeof arn !== 'string') {
    const type = typeof value.type === 'string' ? value.type : 'unknown';
    if (type !== 'kinesis') return { type, arn: '', settings: value };
    throw new Error(
      `${where}.arn is ${JSON.stringify(arn)}: on the local stage it must resolve to a plain Kinesis stream ARN, ` +
        'because nothing resolves CloudFormation functions locally (see resources/platform-exports.yml).',
    );
  }
  const type = typeof value.type === 'string' ? value.type : arnService(arn);
  return { type, arn, settings: value };
}

function arnService(arn: string): string {
  return arn.split(':')[2] ?? 'unknown';
}

interface MappingIdentity {
  where: string;
  functionName: string;
  streamArn: string;
  uuid: string;
  lambdaEndpoint: string;
  invokeIdentityArn: string;
}

function kinesisMapping(
  settings: JsonObject,
  { where, ...identity }: MappingIdentity,
  log: ReadMappingsOptions['log'],
): KinesisEventSourceMapping {
  const unknownKeys = Object.keys(settings).filter((key) => !STREAM_EVENT_KEYS.has(key));
  if (unknownKeys.length > 0) {
    log?.warn(
      `${where}: ignoring ${unknownKeys.join(', ')}, which osls does not deploy either; the settings are ${[...STREAM_EVENT_KEYS].join(', ')}.`,
    );
  }
  const tumblingWindow = integerSetting(settings.tumblingWindowInSeconds, `${where}.tumblingWindowInSeconds`) ?? 0;
  if (tumblingWindow > 0) {
    throw new Error(
      `${where}.tumblingWindowInSeconds: tumbling windows (state passed between invocations) are not emulated locally; remove it to run locally.`,
    );
  }
  const startingPosition = settings.startingPosition;
  if (
    startingPosition !== undefined &&
    startingPosition !== 'TRIM_HORIZON' &&
    startingPosition !== 'LATEST' &&
    startingPosition !== 'AT_TIMESTAMP'
  ) {
    throw new Error(
      `${where}.startingPosition is ${JSON.stringify(startingPosition)}: use TRIM_HORIZON, LATEST or AT_TIMESTAMP.`,
    );
  }
  const functionResponseType = settings.functionResponseType;
  if (functionResponseType !== undefined && functionResponseType !== 'ReportBatchItemFailures') {
    throw new Error(
      `${where}.functionResponseType is ${JSON.stringify(functionResponseType)}: the only value is ReportBatchItemFailures.`,
    );
  }
  const maximumRecordAge = integerSetting(settings.maximumRecordAgeInSeconds, `${where}.maximumRecordAgeInSeconds`);
  const filterPatterns =
    settings.filterPatterns === undefined
      ? undefined
      : validateFilterPatterns(settings.filterPatterns, `${where}.filterPatterns`);
  try {
    return completeKinesisEventSourceMapping({
      ...identity,
      functionArn: lambdaFunctionArn(parseKinesisStreamArn(identity.streamArn), identity.functionName),
      enabled: booleanSetting(settings.enabled, `${where}.enabled`),
      batchSize: integerSetting(settings.batchSize, `${where}.batchSize`),
      maximumBatchingWindowInSeconds: integerSetting(settings.batchWindow, `${where}.batchWindow`),
      startingPosition: startingPosition as StartingPosition | undefined,
      startingPositionTimestamp: numberSetting(
        settings.startingPositionTimestamp,
        `${where}.startingPositionTimestamp`,
      ),
      parallelizationFactor: integerSetting(settings.parallelizationFactor, `${where}.parallelizationFactor`),
      bisectBatchOnFunctionError: booleanSetting(
        settings.bisectBatchOnFunctionError,
        `${where}.bisectBatchOnFunctionError`,
      ),
      maximumRetryAttempts: integerSetting(settings.maximumRetryAttempts, `${where}.maximumRetryAttempts`),
      // osls only sends a truthy value (0 is left out), as does this.
      maximumRecordAgeInSeconds: maximumRecordAge ? maximumRecordAge : undefined,
      reportBatchItemFailures: functionResponseType === 'ReportBatchItemFailures',
      onFailureDestinationArn: onFailureDestination(settings, where),
      filterPatterns,
    });
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`);
  }
}

function onFailureDestination(settings: JsonObject, where: string): string | undefined {
  const { destinations, onFailureBucketArn } = settings;
  if (onFailureBucketArn !== undefined) {
    if (destinations !== undefined)
      throw new Error(`${where} takes destinations.onFailure or onFailureBucketArn, not both.`);
    if (typeof onFailureBucketArn !== 'string' || !onFailureBucketArn.startsWith('arn:')) {
      throw new Error(
        `${where}.onFailureBucketArn is ${JSON.stringify(onFailureBucketArn)}: on the local stage it must resolve to an S3 bucket ARN.`,
      );
    }
    return onFailureBucketArn;
  }
  if (destinations === undefined) return undefined;
  if (!isJsonObject(destinations)) throw new Error(`${where}.destinations must be an object with onFailure.`);
  const onFailure = destinations.onFailure;
  const arn = isJsonObject(onFailure) ? onFailure.arn : onFailure;
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) {
    throw new Error(
      `${where}.destinations.onFailure is ${JSON.stringify(onFailure)}: on the local stage it must resolve to an S3 bucket, SQS queue or SNS topic ARN.`,
    );
  }
  return arn;
}

/** The role Lambda runs the function with, as osls names it (lib/plugins/aws/lib/naming.js getRoleName). */
function executionRoleArn(
  config: JsonObject,
  functionConfig: JsonObject,
  { service, stage, region, streamArn }: { service: string; stage: string; region: string; streamArn: string },
): string {
  const { partition, accountId } = parseKinesisStreamArn(streamArn);
  const provider = isJsonObject(config.provider) ? config.provider : {};
  const iam = isJsonObject(provider.iam) ? provider.iam : {};
  const roleSetting = functionConfig.role ?? iam.role ?? provider.role;
  if (typeof roleSetting === 'string') {
    // An ARN is used as is; a logical id names a role in resources, whose name only CloudFormation knows.
    return roleSetting.startsWith('arn:') ? roleSetting : `arn:${partition}:iam::${accountId}:role/${roleSetting}`;
  }
  const role = isJsonObject(roleSetting) ? roleSetting : {};
  const name = typeof role.name === 'string' ? role.name : `${service}-${stage}-${region}-lambdaRole`;
  const rolePath = typeof role.path === 'string' ? role.path : '/';
  return `arn:${partition}:iam::${accountId}:role${rolePath}${name}`;
}

function serviceName(config: JsonObject): string {
  const service = isJsonObject(config.service) ? config.service.name : config.service;
  if (typeof service !== 'string' || service === '') throw new Error('The `sls print` output has no service name.');
  return service;
}

function stringSetting(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new Error(`${where} must be a string; got ${JSON.stringify(value)}.`);
  return value;
}

function numberSetting(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`${where} must be a number; got ${JSON.stringify(value)}.`);
  return value;
}

function integerSetting(value: unknown, where: string): number | undefined {
  const number = numberSetting(value, where);
  if (number !== undefined && !Number.isInteger(number)) throw new Error(`${where} must be an integer; got ${number}.`);
  return number;
}

function booleanSetting(value: unknown, where: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new Error(`${where} must be true or false; got ${JSON.stringify(value)}.`);
  return value;
}
