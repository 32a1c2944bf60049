export * from './error-bodies';
export * from './ingest-api';
export * from './visualization-api';
