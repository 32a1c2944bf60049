import type { APIGatewayProxyResult } from 'aws-lambda';
import { InvalidCursorError } from '@retail/adapters';
import type { ErrorBody, InvalidParametersBody } from '@retail/api-contract';
import { jsonResponse } from './json-response';
import { InvalidParametersError, InvoiceNotFoundError } from './visualization-errors';

/** The one place an error becomes an HTTP answer; anything unforeseen is a 500 that reveals nothing. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof InvalidParametersError)
    return jsonResponse(400, { message: error.message, problems: [...error.problems] } satisfies InvalidParametersBody);
  if (error instanceof InvalidCursorError) {
    return jsonResponse(400, {
      message: error.message,
      problems: [{ in: 'query', name: 'nextToken', message: error.message }],
    } satisfies InvalidParametersBody);
  }
  if (error instanceof InvoiceNotFoundError) return jsonResponse(404, { message: error.message } satisfies ErrorBody);
  return jsonResponse(500, {
    message:
      'the visualization service failed unexpectedly; reads change nothing, so sending the request again is safe',
  } satisfies ErrorBody);
}
