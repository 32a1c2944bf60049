import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export interface GetRequest {
  /** The route's template, e.g. /invoices/{invoiceNo}/items. */
  resource: string;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
}

/** A GET as API Gateway (REST, Lambda proxy integration) hands it to the function: parameters already decoded. */
export function getRequest({ resource, pathParameters, queryStringParameters }: GetRequest): APIGatewayProxyEvent {
  const path = resource.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathParameters?.[name] ?? ''));
  const query = queryStringParameters ?? null;
  return {
    resource,
    path,
    httpMethod: 'GET',
    headers: { Host: 'abc123.execute-api.eu-west-2.amazonaws.com', 'x-api-key': 'test-key' },
    multiValueHeaders: { Host: ['abc123.execute-api.eu-west-2.amazonaws.com'], 'x-api-key': ['test-key'] },
    queryStringParameters: query,
    multiValueQueryStringParameters: query && Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    pathParameters: pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: 'GET',
      identity: {
        accessKey: null, accountId: null, apiKey: 'test-key', apiKeyId: 'key-id', caller: null, clientCert: null,
        cognitoAuthenticationProvider: null, cognitoAuthenticationType: null, cognitoIdentityId: null, cognitoIdentityPoolId: null,
        principalOrgId: null, sourceIp: '192.0.2.1', user: null, userAgent: 'python-requests/2.31.0', userArn: null,
      },
      path: `/test${path}`,
      stage: 'test',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: resource,
    },
    body: null,
    isBase64Encoded: false,
  };
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
