import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { InvalidInvoiceLinesError, InvoiceLinesNotWrittenError } from './ingest-errors';
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
    try {
      const response = await answer(event);
      logger.info('request answered', { statusCode: response.statusCode });
      return response;
    } catch (error) {
      const response = errorResponse(error);
      logRefusal(response.statusCode, error);
      return response;
    }
  };
}

function logRefusal(statusCode: number, error: unknown): void {
  if (error instanceof InvoiceLinesNotWrittenError) {
    logger.error('rows not written to the stream', {
      statusCode,
      written: error.written,
      notWritten: error.notWritten.length,
      reasons: error.reasons,
    });
  } else if (statusCode >= 500) {
    logger.error('request failed', { statusCode, error: error as Error });
  } else {
    const problems = error instanceof InvalidInvoiceLinesError ? error.problems.length : undefined;
    logger.warn('request refused', { statusCode, reason: (error as Error).message, problems });
  }
}
