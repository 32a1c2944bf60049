import type { RowProblem } from '@retail/domain';
import { HttpError, type Logger } from '@retail/lambda-plumbing';
import { RETRY_AFTER_SECONDS } from './http-responses';
import { ACCEPTED_MEDIA_TYPES } from '@retail/api-contract';

/** The request as a whole cannot be read (not JSON, not CSV, empty, not rows); nothing was written. */
export class UnreadableRequestError extends HttpError {
  override readonly name = 'UnreadableRequestError';
  readonly statusCode = 400;
}

/** The request carries more rows or bytes than one request may; nothing was written. */
export class RequestTooLargeError extends HttpError {
  override readonly name = 'RequestTooLargeError';
  readonly statusCode = 413;
}

/** The body's media type or charset is not one the endpoint reads; nothing was written. */
export class UnsupportedMediaTypeError extends HttpError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly statusCode = 415;

  override responseHeaders(): Record<string, string> {
    return { 'accept-post': ACCEPTED_MEDIA_TYPES.join(', ') };
  }
}

/** At least one row is not a valid invoice line; every problem is listed and nothing was written. */
export class InvalidInvoiceLinesError extends HttpError {
  override readonly name = 'InvalidInvoiceLinesError';
  readonly statusCode = 400;

  constructor(readonly problems: readonly RowProblem[]) {
    const rows = new Set(problems.map((p) => p.row)).size;
    super(
      `${rows} of the rows ${rows === 1 ? 'is' : 'are'} not a valid invoice line; nothing was written: fix the rows listed in problems and send the request again`,
    );
  }

  override responseBody(): unknown {
    return { message: this.message, problems: this.problems };
  }

  override logFields(): Record<string, unknown> {
    return { problems: this.problems.length };
  }
}

export interface RowNotWritten {
  row: number;
  lineId: string;
}

/** Some valid rows could not be put on the stream after retries; the others were. Sending them again is safe. */
export class InvoiceLinesNotWrittenError extends HttpError {
  override readonly name = 'InvoiceLinesNotWrittenError';
  readonly statusCode = 503;

  constructor(
    readonly written: number,
    readonly notWritten: readonly RowNotWritten[],
    readonly reasons: readonly string[],
  ) {
    super(
      `${notWritten.length} of ${written + notWritten.length} rows could not be written to the stream; send the rows listed in failed again (same rows, same line ids), or the whole request`,
    );
  }

  override responseBody(): unknown {
    return { message: this.message, accepted: this.written, failed: this.notWritten };
  }

  override responseHeaders(): Record<string, string> {
    return { 'retry-after': String(RETRY_AFTER_SECONDS) };
  }

  override logRefusal(logger: Logger): void {
    logger.error('rows not written to the stream', {
      statusCode: this.statusCode,
      written: this.written,
      notWritten: this.notWritten.length,
      reasons: this.reasons,
    });
  }
}
