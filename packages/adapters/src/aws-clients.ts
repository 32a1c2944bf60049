import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

// Endpoints come from the SDK's own service-specific variables (AWS_ENDPOINT_URL_KINESIS, ..._DYNAMODB,
// ..._S3, ..._FIREHOSE): unset on AWS, set by the local platform. Nothing here knows which it is.
const keepAlive = () => new NodeHttpHandler({ httpAgent: { keepAlive: true, maxSockets: 64 } as never });

export function createKinesisClient(): KinesisClient {
  // HTTP/1.1: kinesalite rejects the SDK's default HTTP/2 for Kinesis, and PutRecords/GetRecords need no HTTP/2.
  return new KinesisClient({ requestHandler: keepAlive(), maxAttempts: 3 });
}

export function createDynamoDbDocumentClient(): DynamoDBDocumentClient {
  const client = new DynamoDBClient({ requestHandler: keepAlive() });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createFirehoseClient(): FirehoseClient {
  return new FirehoseClient({ requestHandler: keepAlive() });
}

export function createS3Client(): S3Client {
  return new S3Client({
    requestHandler: keepAlive(),
    // Path-style works on AWS and on s3rver; checksums only when required, or s3rver stores stream bodies with
    // their aws-chunked framing.
    forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
