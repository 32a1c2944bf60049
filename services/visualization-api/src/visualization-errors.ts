import type { ParameterProblem } from '@retail/api-contract';

/** A path or query parameter the request got wrong; nothing was read. */
export class InvalidParametersError extends Error {
  override readonly name = 'InvalidParametersError';

  constructor(readonly problems: readonly ParameterProblem[]) {
    super(
      `the request parameters are not valid: ${problems.map((problem) => `${problem.name} ${problem.message}`).join('; ')}`,
    );
  }
}

/** No line of the invoice is stored: a wrong number, or an invoice not loaded (yet). */
export class InvoiceNotFoundError extends Error {
  override readonly name = 'InvoiceNotFoundError';

  constructor(readonly invoiceNo: string) {
    super(
      `invoice ${invoiceNo} was not found: no line of it has been loaded. Check the number (e.g. 536365), or send its lines to POST /invoice-lines first`,
    );
  }
}
