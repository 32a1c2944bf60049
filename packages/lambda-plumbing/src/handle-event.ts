import type { Context } from 'aws-lambda';
import { serviceLogger } from './logger';

/** A non-HTTP handler (a stream batch, say) with the Lambda request id on every log line of its invocation. */
export function handleEvent<Event, Result>(
  handle: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  return async (event, context) => {
    const logger = serviceLogger();
    logger.addContext(context);
    return handle(event, context);
  };
}
