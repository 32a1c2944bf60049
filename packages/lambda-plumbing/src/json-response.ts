import type { APIGatewayProxyResult } from 'aws-lambda';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A JSON answer: the body serialised, its content type, and any further headers. */
export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { 'content-type': JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** 200 with a JSON body. */
export function okResponse(body: unknown): APIGatewayProxyResult {
  return jsonResponse(200, body);
}
