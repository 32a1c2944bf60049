import type { ErrorBody, InvalidParametersBody, ParameterProblem } from '@retail/api-contract';
import { HttpError } from '@retail/lambda-plumbing';

/** A path or query parameter the request got wrong; nothing was read. */
export class InvalidParametersError extends HttpError {
  override readonly name = 'InvalidParametersError';
  readonly statusCode = 400;

  constructor(readonly problems: readonly ParameterProblem[]) {
    super(
      `the request parameters are not valid: ${problems.map((problem) => `${problem.name} ${problem.message}`).join('; ')}`,
    );
  }

  override responseBody(): InvalidParametersBody {
    return { message: this.message, problems: [...this.problems] };
  }
}

/** The page token (nextToken) is not one the store gave out: the store's own message, as a parameter problem. */
export class InvalidPageTokenError extends HttpError {
  override readonly name = 'InvalidPageTokenError';
  readonly statusCode = 400;

  override responseBody(): InvalidParametersBody {
    return { message: this.message, problems: [{ in: 'query', name: 'nextToken', message: this.message }] };
  }
}

/** No line of the invoice is stored: a wrong number, or an invoice not loaded (yet). */
export class InvoiceNotFoundError extends HttpError {
  override readonly name = 'InvoiceNotFoundError';
  readonly statusCode = 404;

  constructor(readonly invoiceNo: string) {
    super(
      `invoice ${invoiceNo} was not found: no line of it has been loaded. Check the number (e.g. 536365), or send its lines to POST /invoice-lines first`,
    );
  }

  override responseBody(): ErrorBody {
    return { message: this.message };
  }
}

/** The dashboard has a page and a script; anything else under /dashboard/ is not there. */
export class DashboardAssetNotFoundError extends HttpError {
  override readonly name = 'DashboardAssetNotFoundError';
  readonly statusCode = 404;

  constructor(readonly asset: string) {
    super(`the dashboard has no file ${asset}: open /dashboard for the page`);
  }

  override responseBody(): ErrorBody {
    return { message: this.message };
  }
}
