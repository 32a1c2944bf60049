import { jsonResponse } from '@retail/lambda-plumbing';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { AcceptedRow } from './accept-invoice-lines';

/** Kinesis throughput is counted per second, so a throttled stream has room again soon. */
export const RETRY_AFTER_SECONDS = 1;

/** 202: every row is on the stream; the sinks take it from there. */
export function acceptedResponse(rows: readonly AcceptedRow[]): APIGatewayProxyResult {
  return jsonResponse(202, { accepted: rows.length, lines: rows });
}
