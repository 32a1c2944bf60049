import openApiDocument from '@retail/api-contract/openapi.json';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { okResponse } from '@retail/lambda-plumbing';

// Serialised once per Lambda environment; the document is in the bundle, so a stage serves the contract it was built with.
const response = okResponse(openApiDocument);

/** GET /openapi.json (no API key): the committed OpenAPI document of both APIs. Nothing here can fail. */
export const handler = async (): Promise<APIGatewayProxyResult> => response;
