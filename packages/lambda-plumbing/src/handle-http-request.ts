import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { HttpError } from './http-error';
import { jsonResponse } from './json-response';
import { serviceLogger } from './logger';
import { publishCountedMetrics } from './metrics';

export type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export type HttpAnswer = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface HttpServiceOptions {
  /** The 500's message for an error nobody foresaw: what the client may do now (is a retry safe?). */
  unexpectedErrorMessage: string;
  /** Fields the "request answered" line carries besides the status code. */
  answeredLogFields?: (event: APIGatewayProxyEvent) => Record<string, unknown>;
}

/**
 * A service's HTTP wrapper. What every request gets: the Lambda and API Gateway request ids on every log line, one
 * log line per answer, an HttpError answered as it says, any other error answered 500, and what the request counted
 * (countMetrics) published as it ends.
 */
export function httpRequestHandling({
  unexpectedErrorMessage,
  answeredLogFields = () => ({}),
}: HttpServiceOptions): (answer: HttpAnswer) => HttpHandler {
  return (answer) => async (event, context) => {
    const logger = serviceLogger();
    logger.resetKeys();
    logger.addContext(context);
    // correlation_id is Powertools' key for the API Gateway request id (its correlationPaths.API_GATEWAY_REST).
    logger.setCorrelationId(event.requestContext?.requestId);
    let response: APIGatewayProxyResult;
    try {
      response = await answer(event);
    } catch (error) {
      if (error instanceof HttpError) {
        error.logRefusal(logger);
        return jsonResponse(error.statusCode, error.responseBody(), error.responseHeaders());
      }
      logger.error('request failed', { statusCode: 500, error: error as Error });
      return jsonResponse(500, { message: unexpectedErrorMessage });
    } finally {
      publishCountedMetrics();
    }
    logger.info('request answered', { statusCode: response.statusCode, ...answeredLogFields(event) });
    return response;
  };
}
