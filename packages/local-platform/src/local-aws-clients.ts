import { createAwsClients, type AwsClients } from '@retail/adapters';
import { LOCAL_CREDENTIALS } from './platform-settings';
import type { StackEndpoints } from './stack-file';

export type LocalAwsClients = AwsClients;

/**
 * SDK clients for the emulators, given their endpoints explicitly: the platform (and a test process running it)
 * must not depend on AWS_* variables of its own process.
 */
export function createLocalAwsClients(
  endpoints: Pick<StackEndpoints, 'kinesis' | 'dynamodb' | 's3' | 'firehose'>,
  region: string,
): LocalAwsClients {
  const { kinesis, dynamodb, s3, firehose } = endpoints;
  return createAwsClients({
    region,
    credentials: LOCAL_CREDENTIALS,
    endpoints: { kinesis, dynamodb, s3, firehose },
    maxAttempts: 3,
  });
}
