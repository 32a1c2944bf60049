import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface ApiGatewayRequest {
  httpMethod: 'GET' | 'POST';
  /** The route's template, e.g. /invoices/{invoiceNo}/items. */
  resource: string;
  pathParameters?: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  /** Besides the Host and x-api-key headers every request carries. */
  headers?: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
}

/** A request as API Gateway (REST, Lambda proxy integration) hands it to the function: parameters already decoded. */
export function apiGatewayRequest({
  httpMethod,
  resource,
  pathParameters,
  queryStringParameters,
  headers = {},
  body = null,
  isBase64Encoded = false,
}: ApiGatewayRequest): APIGatewayProxyEvent {
  const path = resource.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathParameters?.[name] ?? ''));
  const query = queryStringParameters ?? null;
  const allHeaders = { Host: 'abc123.execute-api.eu-west-2.amazonaws.com', 'x-api-key': 'test-key', ...headers };
  return {
    resource,
    path,
    httpMethod,
    headers: allHeaders,
    multiValueHeaders: Object.fromEntries(Object.entries(allHeaders).map(([name, value]) => [name, [value]])),
    queryStringParameters: query,
    multiValueQueryStringParameters:
      query && Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]])),
    pathParameters: pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: 'test-key',
        apiKeyId: 'key-id',
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '192.0.2.1',
        user: null,
        userAgent: 'python-requests/2.31.0',
        userArn: null,
      },
      path: `/test${path}`,
      stage: 'test',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'res123',
      resourcePath: resource,
    },
    body,
    isBase64Encoded,
  };
}
