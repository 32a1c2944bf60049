import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { GlueClient } from '@aws-sdk/client-glue';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsEndpoints {
  kinesis?: string;
  dynamodb?: string;
  s3?: string;
  firehose?: string;
  redshiftData?: string;
  glue?: string;
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Where and as whom the clients call. Every field left out comes from the SDK's default chain (AWS_REGION, the
 * credential providers, AWS_ENDPOINT_URL_KINESIS and the other service-specific endpoint variables): on AWS a
 * Lambda function passes nothing; a tool talking to the emulators passes their endpoints.
 */
export interface AwsClientSettings {
  region?: string;
  credentials?: AwsCredentials;
  endpoints?: AwsEndpoints;
  /** Calls per request, the SDK's own retries included (the SDK's default: 3). */
  maxAttempts?: number;
}

// One keep-alive pool per client: a new socket per batch would cost more than the call itself on the emulators.
const keepAlive = () => new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 64 } as never });

function commonOptions(settings: AwsClientSettings, endpoint: string | undefined) {
  return {
    requestHandler: keepAlive(),
    ...(settings.region === undefined ? {} : { region: settings.region }),
    // A copy per client: the SDK writes its own bookkeeping into the credentials object it is given.
    ...(settings.credentials === undefined ? {} : { credentials: { ...settings.credentials } }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(settings.maxAttempts === undefined ? {} : { maxAttempts: settings.maxAttempts }),
  };
}

export function createKinesisClient(settings: AwsClientSettings = {}): KinesisClient {
  // HTTP/1.1 (NodeHttpHandler): kinesalite rejects the SDK's default HTTP/2 for Kinesis, and PutRecords/GetRecords
  // need no HTTP/2.
  return new KinesisClient({ maxAttempts: 3, ...commonOptions(settings, settings.endpoints?.kinesis) });
}

export function createDynamoDbClient(settings: AwsClientSettings = {}): DynamoDBClient {
  return new DynamoDBClient(commonOptions(settings, settings.endpoints?.dynamodb));
}

export function createDynamoDbDocumentClient(settings: AwsClientSettings = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoDbClient(settings), {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function createFirehoseClient(settings: AwsClientSettings = {}): FirehoseClient {
  return new FirehoseClient(commonOptions(settings, settings.endpoints?.firehose));
}

export function createRedshiftDataClient(settings: AwsClientSettings = {}): RedshiftDataClient {
  return new RedshiftDataClient(commonOptions(settings, settings.endpoints?.redshiftData));
}

export function createGlueClient(settings: AwsClientSettings = {}): GlueClient {
  return new GlueClient(commonOptions(settings, settings.endpoints?.glue));
}

export function createS3Client(settings: AwsClientSettings = {}): S3Client {
  const endpoint = settings.endpoints?.s3;
  return new S3Client({
    ...commonOptions(settings, endpoint),
    // Path-style for an endpoint other than AWS's (s3rver knows no virtual hosts); checksums only when required, or
    // s3rver stores stream bodies with their aws-chunked framing.
    forcePathStyle: (endpoint ?? process.env.AWS_ENDPOINT_URL_S3) !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface AwsClients {
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  firehose: FirehoseClient;
  destroy(): void;
}

/** A client of each service, with the same settings; the SDK creates nothing until a client sends. */
export function createAwsClients(settings: AwsClientSettings = {}): AwsClients {
  const kinesis = createKinesisClient(settings);
  const dynamodb = createDynamoDbClient(settings);
  const s3 = createS3Client(settings);
  const firehose = createFirehoseClient(settings);
  return {
    kinesis,
    dynamodb,
    s3,
    firehose,
    destroy: () => {
      for (const client of [kinesis, dynamodb, s3, firehose]) client.destroy();
    },
  };
}

/**
 * The variables that make the SDK's default chain build the clients these settings build: what the local platform
 * gives a function, and what a test gives a handler it runs in its own process.
 */
export function awsEnvironmentOf(settings: AwsClientSettings): Record<string, string> {
  const { region, credentials, endpoints = {} } = settings;
  const variables: Record<string, string | undefined> = {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials?.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials?.secretAccessKey,
    AWS_ENDPOINT_URL_KINESIS: endpoints.kinesis,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_FIREHOSE: endpoints.firehose,
    AWS_ENDPOINT_URL_REDSHIFT_DATA: endpoints.redshiftData,
    AWS_ENDPOINT_URL_GLUE: endpoints.glue,
  };
  return Object.fromEntries(
    Object.entries(variables).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}
