/**
 * What one `POST /invoice-lines` may carry; more is answered 413 before anything is written. Split larger loads
 * into several requests (the loader does).
 */
export const MAX_ROWS_PER_REQUEST = 5_000;

/**
 * 5 MiB of body, counted as bytes after any base64 decoding. Below Lambda's 6 MB synchronous payload (the event
 * also carries headers and escapes the body's quotes), so a body refused here is refused alike on AWS and locally.
 */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Media types the endpoint reads; a request without Content-Type (the course client's) is read as JSON. */
export const ACCEPTED_MEDIA_TYPES = ['application/json', 'text/csv'] as const;
