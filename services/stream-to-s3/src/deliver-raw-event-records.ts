import { readInvoiceLineRecords, type InvoiceLineRecordsReader, type RawEventSink } from '@retail/adapters';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';

export interface RawEventRecordsDeliverer extends InvoiceLineRecordsReader {
  rawEventSink: RawEventSink;
}

/**
 * Archives a batch of Kinesis records, each an invoice line, in the raw event sink and reports the records to retry.
 * Each record is parsed on its own (one that is not an invoice line is reported and the others go on); the valid
 * lines are delivered together. A line the sink still refuses after its retries is reported too. Lambda retries
 * from the earliest reported record, so lines after it are archived again: the raw archive is at least once.
 */
export async function deliverRawEventRecords(
  event: KinesisStreamEvent,
  { processor, rawEventSink, logger }: RawEventRecordsDeliverer,
  context?: Context,
): Promise<KinesisStreamBatchResponse> {
  const { lineOfRecord, unreadable } = await readInvoiceLineRecords(event, { processor, logger }, context);

  const records = [...lineOfRecord];
  const { notDelivered } = await rawEventSink.deliver(records.map(([, line]) => line));
  for (const line of notDelivered)
    logger.error('Invoice line not archived; its record is reported for retry', { ...line });
  const undelivered = notDelivered.map(({ index }) => ({ itemIdentifier: records[index]![0] }));

  logger.info('Invoice line batch archived', {
    records: event.Records.length,
    linesArchived: records.length - undelivered.length,
    recordsUnreadable: unreadable.length,
    recordsUnarchived: undelivered.length,
  });
  return { batchItemFailures: [...unreadable, ...undelivered] };
}
