import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export interface RequestParts {
  body: string | null;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
}

/** `POST /invoice-lines` as API Gateway (REST, Lambda proxy integration) hands it to the function. */
export function invoiceLinesRequest({ body, headers = {}, isBase64Encoded = false }: RequestParts): APIGatewayProxyEvent {
  const requestId = randomUUID();
  return {
    resource: '/invoice-lines',
    path: '/invoice-lines',
    httpMethod: 'POST',
    headers: { Host: 'abc123.execute-api.eu-west-2.amazonaws.com', 'x-api-key': 'test-key', ...headers },
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: {
        accessKey: null, accountId: null, apiKey: 'test-key', apiKeyId: 'key-id', caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null, cognitoIdentityPoolId: null,
        principalOrgId: null, sourceIp: '192.0.2.1', user: null, userAgent: 'python-requests/2.31.0', userArn: null,
      },
      path: '/test/invoice-lines',
      stage: 'test',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: '/invoice-lines',
    },
    body,
    isBase64Encoded,
  };
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
