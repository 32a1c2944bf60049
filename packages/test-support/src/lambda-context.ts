import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { TEST_REGION } from './test-stage';

export interface LambdaContextOptions {
  /** The deployed function's name, e.g. `retail-ingest-test-putInvoiceLines`. */
  functionName: string;
  /** Its memory size in MB (default 1024). */
  memorySize?: number;
  /** What `getRemainingTimeInMillis` answers (default 28 s). */
  remainingTimeMs?: number;
  /** The invocation's request id (default a new UUID). */
  awsRequestId?: string;
}

const TEST_ACCOUNT_ID = '123456789012';

/** A Lambda context as the runtime passes it to a handler, for the logger. */
export function lambdaContext({
  functionName,
  memorySize = 1024,
  remainingTimeMs = 28_000,
  awsRequestId = randomUUID(),
}: LambdaContextOptions): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(memorySize),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => remainingTimeMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
