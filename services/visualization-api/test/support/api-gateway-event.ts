import { apiGatewayRequest, type ApiGatewayRequest, type LambdaContextOptions } from '@retail/test-support';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export type GetRequest = Pick<ApiGatewayRequest, 'resource' | 'pathParameters' | 'queryStringParameters'>;

/** A GET as API Gateway (REST, Lambda proxy integration) hands it to the function: parameters already decoded. */
export function getRequest(request: GetRequest): APIGatewayProxyEvent {
  return apiGatewayRequest({ httpMethod: 'GET', ...request });
}

/** A function of the service as osls deploys it to the test stage, for `lambdaContext`. */
export function visualizationApiFunction(functionName: string): LambdaContextOptions {
  return { functionName: `retail-visualization-api-test-${functionName}`, remainingTimeMs: 10_000 };
}
