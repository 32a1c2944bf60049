import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorResponse } from './http-responses';
import { logger } from './logger';

export type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * What every HTTP request gets, wrapped once: the Lambda and API Gateway request ids on every log line, one log
 * line per answer, and every error answered through `errorResponse`.
 */
export function handleHttpRequest(
  answer: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>,
): HttpHandler {
  return async (event, context) => {
    logger.resetKeys();
    logger.addContext(context);
    // correlation_id is Powertools' key for the API Gateway request id (its correlationPaths.API_GATEWAY_REST).
    logger.setCorrelationId(event.requestContext?.requestId);
    let response: APIGatewayProxyResult;
    try {
      response = await answer(event);
    } catch (error) {
      response = errorResponse(error);
      if (response.statusCode >= 500)
        logger.error('request failed', { statusCode: response.statusCode, error: error as Error });
      else logger.warn('request refused', { statusCode: response.statusCode, reason: (error as Error).message });
      return response;
    }
    logger.info('request answered', { statusCode: response.statusCode, path: event.path });
    return response;
  };
}
