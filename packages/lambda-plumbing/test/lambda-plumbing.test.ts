import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { HttpError, httpRequestHandling, okResponse, requiredEnvironmentVariable } from '../src';

class TeapotError extends HttpError {
  readonly statusCode = 418;

  override responseHeaders(): Record<string, string> {
    return { 'x-brew': 'tea' };
  }
}

// Powertools writes to the global console in dev mode, where the test silences it; the logger is created on first use.
process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_SERVICE_NAME = 'tea-service';

const event = { path: '/tea', requestContext: { requestId: 'api-request' } } as APIGatewayProxyEvent;
const context = { awsRequestId: 'lambda-request', functionName: 'tea' } as Context;
const handleHttpRequest = httpRequestHandling({ unexpectedErrorMessage: 'it broke; try again' });

describe('requiredEnvironmentVariable', () => {
  it('fails at once, naming the variable and what sets it, when the variable is not set or blank', () => {
    expect(() => requiredEnvironmentVariable('INVOICE_TABLE_NAME', 'serverless.yml sets it', {})).toThrow(
      'INVOICE_TABLE_NAME is not set: serverless.yml sets it',
    );
    expect(() =>
      requiredEnvironmentVariable('INVOICE_TABLE_NAME', 'serverless.yml sets it', { INVOICE_TABLE_NAME: ' ' }),
    ).toThrow(/INVOICE_TABLE_NAME is not set/);
  });

  it('gives the value, trimmed', () => {
    expect(requiredEnvironmentVariable('NAME', 'a test', { NAME: ' table ' })).toBe('table');
  });
});

describe('httpRequestHandling', () => {
  beforeEach(() => {
    for (const level of ['info', 'warn', 'error'] as const)
      jest.spyOn(console, level).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('passes the answer through', async () => {
    const handler = handleHttpRequest(async () => okResponse({ tea: true }));
    expect(await handler(event, context)).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"tea":true}',
    });
  });

  it('answers an HttpError with its status, body and headers', async () => {
    const handler = handleHttpRequest(async () => {
      throw new TeapotError('no coffee here');
    });
    expect(await handler(event, context)).toEqual({
      statusCode: 418,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-brew': 'tea' },
      body: '{"message":"no coffee here"}',
    });
  });

  it('answers any other error 500 with the service message, revealing nothing of the error', async () => {
    const handler = handleHttpRequest(async () => {
      throw new Error('secret detail');
    });
    expect(await handler(event, context)).toEqual({
      statusCode: 500,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"message":"it broke; try again"}',
    });
  });
});
