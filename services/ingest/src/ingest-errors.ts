import type { RowProblem } from '@retail/domain';

/** The request as a whole cannot be read (not JSON, not CSV, empty, not rows); nothing was written. */
export class UnreadableRequestError extends Error {
  override readonly name = 'UnreadableRequestError';
}

/** The request carries more rows or bytes than one request may; nothing was written. */
export class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
}

/** The body's media type or charset is not one the endpoint reads; nothing was written. */
export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
}

/** At least one row is not a valid invoice line; every problem is listed and nothing was written. */
export class InvalidInvoiceLinesError extends Error {
  override readonly name = 'InvalidInvoiceLinesError';

  constructor(readonly problems: readonly RowProblem[]) {
    const rows = new Set(problems.map((p) => p.row)).size;
    super(
      `${rows} of the rows ${rows === 1 ? 'is' : 'are'} not a valid invoice line; nothing was written: fix the rows listed in problems and send the request again`,
    );
  }
}

export interface RowNotWritten {
  row: number;
  lineId: string;
}

/** Some valid rows could not be put on the stream after retries; the others were. Sending them again is safe. */
export class InvoiceLinesNotWrittenError extends Error {
  override readonly name = 'InvoiceLinesNotWrittenError';

  constructor(
    readonly written: number,
    readonly notWritten: readonly RowNotWritten[],
    readonly reasons: readonly string[],
  ) {
    super(
      `${notWritten.length} of ${written + notWritten.length} rows could not be written to the stream; send the rows listed in failed again (same rows, same line ids), or the whole request`,
    );
  }
}
