import type { APIGatewayProxyResult } from 'aws-lambda';

const JSON_CONTENT = { 'content-type': 'application/json; charset=utf-8' };

export function okResponse(body: unknown): APIGatewayProxyResult {
  return jsonResponse(200, body);
}

export function jsonResponse(statusCode: number, body: unknown): APIGatewayProxyResult {
  return { statusCode, headers: JSON_CONTENT, body: JSON.stringify(body) };
}
