import { randomUUID } from 'node:crypto';
import { apiGatewayRequest, type ApiGatewayRequest } from '@retail/adapters/test/support/api-gateway-event';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export type GetRequest = Pick<ApiGatewayRequest, 'resource' | 'pathParameters' | 'queryStringParameters'>;

/** A GET as API Gateway (REST, Lambda proxy integration) hands it to the function: parameters already decoded. */
export function getRequest(request: GetRequest): APIGatewayProxyEvent {
  return apiGatewayRequest({ httpMethod: 'GET', ...request });
}

export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: `retail-visualization-api-test-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-2:123456789012:function:retail-visualization-api-test-${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/retail-visualization-api-test-${functionName}`,
    logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
