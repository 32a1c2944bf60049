import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { serviceLogger } from './logger';
import { countMetrics, publishCountedMetrics } from './metrics';

/**
 * A non-HTTP handler (a stream batch, say) with the Lambda request id on every log line of its invocation, and what
 * it counted published when it ends, failed or not.
 */
export function handleEvent<Event, Result>(
  handle: (event: Event, context: Context) => Promise<Result>,
): (event: Event, context: Context) => Promise<Result> {
  return async (event, context) => {
    const logger = serviceLogger();
    logger.addContext(context);
    try {
      return await handle(event, context);
    } finally {
      publishCountedMetrics();
    }
  };
}

/**
 * A Kinesis consumer's handler (handleEvent) that counts every batch: BatchRecords (records received) and
 * BatchItemFailures (records reported for retry), the same two figures for every consumer.
 */
export function handleKinesisBatch(
  handle: (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse>,
): (event: KinesisStreamEvent, context: Context) => Promise<KinesisStreamBatchResponse> {
  return handleEvent(async (event, context) => {
    const response = await handle(event, context);
    countMetrics({ BatchRecords: event.Records.length, BatchItemFailures: response.batchItemFailures.length });
    return response;
  });
}
