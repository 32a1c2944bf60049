export * from './error-bodies';
export * from './ingest-limits';
export * from './ingest-api';
export { buildOpenApiDocument, type OpenApiDocument } from './openapi-document';
export * from './visualization-api';
export * from './analytics-api';
