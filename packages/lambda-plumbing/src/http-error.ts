import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * An error the request itself caused, or one the service foresaw, with the HTTP answer it gets. A service's own
 * errors extend it; handleHttpRequest answers any other error with a 500 that reveals nothing.
 */
export abstract class HttpError extends Error {
  abstract readonly statusCode: number;

  /** The JSON body of the answer: the message, unless the error has more to tell. */
  responseBody(): unknown {
    return { message: this.message };
  }

  /** Headers the answer carries besides its content type. */
  responseHeaders(): Record<string, string> {
    return {};
  }

  /** Fields the refusal's log line carries besides its status code and reason. */
  logFields(): Record<string, unknown> {
    return {};
  }

  /** The one log line of the refusal: a warning for a 4xx, an error for a foreseen 5xx. */
  logRefusal(logger: Logger): void {
    if (this.statusCode >= 500) logger.error('request failed', { statusCode: this.statusCode, error: this });
    else logger.warn('request refused', { statusCode: this.statusCode, reason: this.message, ...this.logFields() });
  }
}
