import type { APIGatewayProxyResult } from 'aws-lambda';
import type { AcceptedRow } from './accept-invoice-lines';
import {
  InvalidInvoiceLinesError,
  InvoiceLinesNotWrittenError,
  RequestTooLargeError,
  UnreadableRequestError,
  UnsupportedMediaTypeError,
} from './ingest-errors';
import { ACCEPTED_MEDIA_TYPES } from '@retail/api-contract';

/** Kinesis throughput is counted per second, so a throttled stream has room again soon. */
export const RETRY_AFTER_SECONDS = 1;

/** 202: every row is on the stream; the sinks take it from there. */
export function acceptedResponse(rows: readonly AcceptedRow[]): APIGatewayProxyResult {
  return jsonResponse(202, { accepted: rows.length, lines: rows });
}

/** The one place an error becomes an HTTP answer; anything unforeseen is a 500 that reveals nothing. */
export function errorResponse(error: unknown): APIGatewayProxyResult {
  if (error instanceof InvalidInvoiceLinesError)
    return jsonResponse(400, { message: error.message, problems: error.problems });
  if (error instanceof UnreadableRequestError) return jsonResponse(400, { message: error.message });
  if (error instanceof RequestTooLargeError) return jsonResponse(413, { message: error.message });
  if (error instanceof UnsupportedMediaTypeError) {
    return jsonResponse(415, { message: error.message }, { 'accept-post': ACCEPTED_MEDIA_TYPES.join(', ') });
  }
  if (error instanceof InvoiceLinesNotWrittenError) {
    return jsonResponse(
      503,
      { message: error.message, accepted: error.written, failed: error.notWritten },
      { 'retry-after': String(RETRY_AFTER_SECONDS) },
    );
  }
  return jsonResponse(500, {
    message:
      'the ingest service failed unexpectedly; some rows may have been written: sending the same request again is safe (same rows, same line ids)',
  });
}

function jsonResponse(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}
