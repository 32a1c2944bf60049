import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { ParsedRecord } from '@aws-lambda-powertools/batch/types';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { RawEventSink } from '@retail/adapters';
import { InvoiceLineEventSchema, type InvoiceLineEvent } from '@retail/domain';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/** Parses each Kinesis record's data into an InvoiceLineEvent; create one per Lambda container, at module scope. */
export function createRawEventRecordProcessor(logger: Logger): BatchProcessor {
  // Kinesis data is base64: the 'base64' transformer decodes it before the line's JSON is checked against the schema.
  return new BatchProcessor(EventType.KinesisDataStreams, { parser, innerSchema: InvoiceLineEventSchema, transformer: 'base64', logger });
}

export interface RawEventRecordsDeliverer {
  /** From createRawEventRecordProcessor. */
  processor: BatchProcessor;
  rawEventSink: RawEventSink;
  logger: Logger;
}

type InvoiceLineRecord = ParsedRecord<KinesisStreamRecord, InvoiceLineEvent>;

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
  const lineOfRecord = new Map<string, InvoiceLineEvent>();
  const collectLine = async (record: InvoiceLineRecord) => {
    lineOfRecord.set(record.kinesis.sequenceNumber, record.kinesis.data);
  };
  // Only parsing can fail here, so an all-invalid batch is reported record by record like any other.
  const unreadable = await processPartialResponse(event, collectLine, processor, { context, throwOnFullBatchFailure: false });
  processor.failureMessages.forEach((record, index) => {
    logger.warn('Record is not an invoice line; reported for retry, then to the failed-records bucket', {
      sequenceNumber: (record as KinesisStreamRecord).kinesis.sequenceNumber,
      partitionKey: (record as KinesisStreamRecord).kinesis.partitionKey,
      reason: processor.errors[index]?.message,
    });
  });

  const records = [...lineOfRecord];
  const { notDelivered } = await rawEventSink.deliver(records.map(([, line]) => line));
  for (const line of notDelivered) logger.error('Invoice line not archived; its record is reported for retry', { ...line });
  const undelivered = notDelivered.map(({ index }) => ({ itemIdentifier: records[index]![0] }));

  logger.info('Invoice line batch archived', {
    records: event.Records.length,
    linesArchived: records.length - undelivered.length,
    recordsUnreadable: unreadable.batchItemFailures.length,
    recordsUnarchived: undelivered.length,
  });
  return { batchItemFailures: [...unreadable.batchItemFailures, ...undelivered] };
}
