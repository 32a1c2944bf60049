import {
  readInvoiceLineRecords,
  settleInvoiceLineBatch,
  type InvalidRecord,
  type InvoiceLineBatchSettler,
  type InvoiceLineRecordsReader,
  type RawEventSink,
} from '@retail/adapters';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export interface RawEventRecordsDeliverer extends InvoiceLineRecordsReader, InvoiceLineBatchSettler {
  rawEventSink: RawEventSink;
}

/**
 * Archives a batch of Kinesis records, each an invoice line, in the raw event sink. Each record is parsed on its own
 * and the valid lines are delivered together. A record that is not an invoice line, or that the sink refuses as
 * invalid, goes to the failed-records bucket and is not retried; a line the sink did not take this time (after its
 * own retries) is reported for retry, with every record after it. Lambda retries from there, so lines after it are
 * archived again: the raw archive is at least once, counted by lineId downstream.
 */
export async function deliverRawEventRecords(
  event: KinesisStreamEvent,
  deliverer: RawEventRecordsDeliverer,
  context: Context,
): Promise<KinesisStreamBatchResponse> {
  const { rawEventSink, logger } = deliverer;
  const { lineOfRecord, notInvoiceLines } = await readInvoiceLineRecords(event, deliverer, context);

  const records = [...lineOfRecord];
  const { notDelivered } = await rawEventSink.deliver(records.map(([, line]) => line));
  const recordOf = new Map(event.Records.map((record) => [record.kinesis.sequenceNumber, record]));
  const refused: InvalidRecord[] = [];
  const unwritten = new Map<string, string>();
  for (const { index, errorCode, refused: isRefused } of notDelivered) {
    const sequenceNumber = records[index]![0];
    if (isRefused)
      refused.push({
        record: recordOf.get(sequenceNumber) as KinesisStreamRecord,
        problem: 'refused-by-sink',
        reason: `the raw archive refused the line: ${errorCode}`,
      });
    else unwritten.set(sequenceNumber, `the raw archive did not take the line this time: ${errorCode}`);
  }

  const { response, recordsKept } = await settleInvoiceLineBatch(
    event,
    { invalid: [...notInvoiceLines, ...refused], unwritten },
    deliverer,
    context.functionName,
  );
  logger.info('Invoice line batch archived', {
    records: event.Records.length,
    linesArchived: records.length - notDelivered.length,
    recordsKeptAsInvalid: recordsKept,
    recordsRetried: response.batchItemFailures.length,
  });
  return response;
}
