import { randomUUID } from 'node:crypto';
import { apiGatewayRequest, type ApiGatewayRequest } from '@retail/adapters/test/support/api-gateway-event';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export interface RequestParts extends Pick<ApiGatewayRequest, 'headers' | 'isBase64Encoded'> {
  body: string | null;
}

/** `POST /invoice-lines` as API Gateway (REST, Lambda proxy integration) hands it to the function. */
export function invoiceLinesRequest(request: RequestParts): APIGatewayProxyEvent {
  return apiGatewayRequest({ httpMethod: 'POST', resource: '/invoice-lines', ...request });
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'retail-ingest-test-putInvoiceLines',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-2:123456789012:function:retail-ingest-test-putInvoiceLines',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/retail-ingest-test-putInvoiceLines',
    logStreamName: '2025/01/01/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => 28_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
