// What other packages (the API contract, the loader) may read of the ingest service: its published limits.
export { ACCEPTED_MEDIA_TYPES, MAX_BODY_BYTES, MAX_ROWS_PER_REQUEST } from './request-limits';
export { RETRY_AFTER_SECONDS } from './http-responses';
