import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS } from './platform-settings';
import type { StackEndpoints } from './stack-file';

export interface LocalAwsClients {
  kinesis: KinesisClient;
  dynamodb: DynamoDBClient;
  s3: S3Client;
  destroy(): void;
}

/**
 * SDK clients for the emulators, given their endpoints explicitly: the platform (and a test process running it)
 * must not depend on AWS_* variables of its own process. Services use @retail/adapters' factories instead.
 */
export function createLocalAwsClients(
  endpoints: Pick<StackEndpoints, 'kinesis' | 'dynamodb' | 's3'>,
  region: string,
): LocalAwsClients {
  // A copy per client: the SDK writes its own bookkeeping into the credentials object it is given.
  const credentials = () => ({ ...LOCAL_CREDENTIALS });
  const common = { region, maxAttempts: 3 };
  // HTTP/1.1 for Kinesis: kinesalite rejects the SDK's default HTTP/2.
  const kinesis = new KinesisClient({
    ...common,
    credentials: credentials(),
    endpoint: endpoints.kinesis,
    requestHandler: new NodeHttpHandler(),
  });
  const dynamodb = new DynamoDBClient({ ...common, credentials: credentials(), endpoint: endpoints.dynamodb });
  const s3 = localS3Client(endpoints.s3, region);
  return {
    kinesis,
    dynamodb,
    s3,
    destroy: () => {
      kinesis.destroy();
      dynamodb.destroy();
      s3.destroy();
    },
  };
}

/** An S3 client of s3rver: path-style, checksums only when required (else s3rver stores aws-chunked framing). */
export function localS3Client(endpoint: string, region: string): S3Client {
  return new S3Client({
    region,
    maxAttempts: 3,
    credentials: { ...LOCAL_CREDENTIALS },
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
