import { createHash } from 'node:crypto';

/** Where a mapping starts reading a shard it has no checkpoint for (Lambda's StartingPosition). */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';

/**
 * One Lambda event-source mapping from a Kinesis stream to a function, with the settings of
 * AWS::Lambda::EventSourceMapping that osls compiles from a `stream` event (names as in the Lambda API).
 */
export interface KinesisEventSourceMapping {
  /** Names the mapping in the checkpoint file and in on-failure S3 keys (AWS generates one per mapping). */
  uuid: string;
  /** The name serverless-offline's Invoke endpoint knows the function by: `<service>-<stage>-<key>` unless renamed. */
  functionName: string;
  functionArn: string;
  /** serverless-offline's Lambda endpoint of the function's service, e.g. http://127.0.0.1:3002. */
  lambdaEndpoint: string;
  streamArn: string;
  streamName: string;
  /** The stream's region: every record's `awsRegion`. */
  region: string;
  /** The function's execution role: every record's `invokeIdentityArn`. */
  invokeIdentityArn: string;
  enabled: boolean;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  startingPosition: StartingPosition;
  /** Epoch seconds; only with AT_TIMESTAMP. */
  startingPositionTimestamp?: number;
  parallelizationFactor: number;
  bisectBatchOnFunctionError: boolean;
  /** -1: retry until the record expires. */
  maximumRetryAttempts: number;
  /** -1: no limit. */
  maximumRecordAgeInSeconds: number;
  /** FunctionResponseTypes contains ReportBatchItemFailures. */
  reportBatchItemFailures: boolean;
  /** DestinationConfig.OnFailure.Destination: an S3 bucket, SQS queue or SNS topic ARN. */
  onFailureDestinationArn?: string;
  /** FilterCriteria patterns (EventBridge pattern syntax), already parsed. */
  filterPatterns?: unknown[];
}

/** What a caller must say about a mapping; every setting it leaves out takes the value osls deploys. */
export type KinesisEventSourceMappingInput = Pick<
  KinesisEventSourceMapping,
  'functionName' | 'lambdaEndpoint' | 'streamArn'
> &
  Partial<Omit<KinesisEventSourceMapping, 'functionName' | 'lambdaEndpoint' | 'streamArn'>>;

// What osls writes into AWS::Lambda::EventSourceMapping when serverless.yml says nothing (compile/events/stream.js).
// Its BatchSize default is 10, not the Lambda API's 100: osls always sends BatchSize, so 10 is what AWS runs.
export const OSLS_STREAM_DEFAULTS = {
  enabled: true,
  batchSize: 10,
  maximumBatchingWindowInSeconds: 0,
  startingPosition: 'TRIM_HORIZON',
  parallelizationFactor: 1,
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  reportBatchItemFailures: false,
} as const satisfies Partial<KinesisEventSourceMapping>;

// The AWS limits on each setting (Lambda API CreateEventSourceMapping, Kinesis sources).
export const KINESIS_MAPPING_LIMITS = {
  batchSize: { min: 1, max: 10_000 },
  maximumBatchingWindowInSeconds: { min: 0, max: 300 },
  parallelizationFactor: { min: 1, max: 10 },
  maximumRetryAttempts: { min: -1, max: 10_000 },
  maximumRecordAgeInSeconds: { min: 60, max: 604_800 },
} as const;

// What Lambda accepts as a Kinesis mapping's on-failure destination.
const ON_FAILURE_DESTINATION_SERVICES = ['s3', 'sqs', 'sns'];

const STREAM_ARN = /^arn:(aws[a-zA-Z-]*):kinesis:([a-z0-9-]+):(\d{12}):stream\/([a-zA-Z0-9_.-]{1,128})$/;

export interface KinesisStreamArnParts {
  partition: string;
  region: string;
  accountId: string;
  streamName: string;
}

export function parseKinesisStreamArn(arn: string): KinesisStreamArnParts {
  const match = STREAM_ARN.exec(arn);
  if (!match) {
    throw new Error(`"${arn}" is not a Kinesis stream ARN: expected arn:aws:kinesis:<region>:<account>:stream/<name>.`);
  }
  const [, partition, region, accountId, streamName] = match as unknown as [string, string, string, string, string];
  return { partition, region, accountId, streamName };
}

export function lambdaFunctionArn(stream: KinesisStreamArnParts, functionName: string): string {
  return `arn:${stream.partition}:lambda:${stream.region}:${stream.accountId}:function:${functionName}`;
}

/**
 * A UUID that stays the same for the same function, stream and occurrence, so checkpoints survive restarts
 * (AWS keeps a mapping's UUID for its lifetime; a local mapping is re-created on every start).
 */
export function stableMappingUuid(functionName: string, streamArn: string, occurrence = 0): string {
  const hex = createHash('sha1').update(`${functionName}\n${streamArn}\n${occurrence}`).digest('hex');
  // RFC 4122 name-based layout: version 5, variant 10xx.
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A complete mapping: `input` plus osls's defaults, checked against AWS's limits. */
export function completeKinesisEventSourceMapping(input: KinesisEventSourceMappingInput): KinesisEventSourceMapping {
  const stream = parseKinesisStreamArn(input.streamArn);
  const mapping: KinesisEventSourceMapping = {
    ...OSLS_STREAM_DEFAULTS,
    uuid: stableMappingUuid(input.functionName, input.streamArn),
    functionArn: lambdaFunctionArn(stream, input.functionName),
    streamName: stream.streamName,
    region: stream.region,
    // Only for callers that name no role; the config reader passes the role osls creates.
    invokeIdentityArn: `arn:${stream.partition}:iam::${stream.accountId}:role/${input.functionName}-role`,
    ...withoutUndefined(input),
  };
  assertWithinLimits(mapping);
  if (mapping.streamName !== stream.streamName) {
    throw new Error(
      `Mapping for ${mapping.functionName}: streamName "${mapping.streamName}" does not match its ARN ${mapping.streamArn}.`,
    );
  }
  const destinationService = mapping.onFailureDestinationArn?.split(':')[2];
  if (destinationService !== undefined && !ON_FAILURE_DESTINATION_SERVICES.includes(destinationService)) {
    throw new Error(
      `Mapping for ${mapping.functionName}: on-failure destination ${mapping.onFailureDestinationArn} is not an S3 bucket, SQS queue or SNS topic ARN.`,
    );
  }
  if (mapping.startingPosition === 'AT_TIMESTAMP' && mapping.startingPositionTimestamp === undefined) {
    throw new Error(
      `Mapping for ${mapping.functionName}: startingPosition AT_TIMESTAMP needs startingPositionTimestamp (epoch seconds).`,
    );
  }
  return mapping;
}

function assertWithinLimits(mapping: KinesisEventSourceMapping): void {
  for (const [setting, { min, max }] of Object.entries(KINESIS_MAPPING_LIMITS) as [
    keyof typeof KINESIS_MAPPING_LIMITS,
    { min: number; max: number },
  ][]) {
    const value = mapping[setting];
    const unlimited = setting === 'maximumRecordAgeInSeconds' && value === -1;
    if (!unlimited && (!Number.isInteger(value) || value < min || value > max)) {
      const allowed = setting === 'maximumRecordAgeInSeconds' ? `-1 or ${min} to ${max}` : `${min} to ${max}`;
      throw new Error(
        `Mapping for ${mapping.functionName} on ${mapping.streamName}: ${setting} = ${String(value)}, AWS accepts integers ${allowed}.`,
      );
    }
  }
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
