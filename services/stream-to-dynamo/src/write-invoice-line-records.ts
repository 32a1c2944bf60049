import {
  readInvoiceLineRecords,
  settleInvoiceLineBatch,
  type InvalidRecord,
  type InvoiceLineBatchSettler,
  type InvoiceLineRecordsReader,
  type InvoiceStore,
} from '@retail/adapters';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

export interface InvoiceLineRecordsWriter extends InvoiceLineRecordsReader, InvoiceLineBatchSettler {
  invoiceStore: Pick<InvoiceStore, 'saveInvoiceLines'>;
}

/**
 * Writes a batch of Kinesis records, each an invoice line, to the invoice store. Each record is parsed on its own,
 * then all valid lines are saved together so DynamoDB receives them in bulk. A record that is not an invoice line, or
 * whose line the store refuses as invalid, goes to the failed-records bucket and is not retried; the records of an
 * invoice the store did not take this time are reported for retry, from the first of them on. Lambda retries from
 * there, which rewrites some lines that were already stored: harmless, because lines are keyed by lineId and a summary
 * only grows by lines it has not counted (else it is recounted from the stored lines).
 */
export async function writeInvoiceLineRecords(
  event: KinesisStreamEvent,
  writer: InvoiceLineRecordsWriter,
  context: Context,
): Promise<KinesisStreamBatchResponse> {
  const { invoiceStore, logger } = writer;
  const { lineOfRecord, notInvoiceLines } = await readInvoiceLineRecords(event, writer, context);

  const unsaved = await invoiceStore.saveInvoiceLines([...lineOfRecord.values()]);
  const unsavedOf = new Map(unsaved.map((invoice) => [invoice.invoiceNo, invoice]));
  const recordOf = new Map(event.Records.map((record) => [record.kinesis.sequenceNumber, record]));
  const refused: InvalidRecord[] = [];
  const unwritten = new Map<string, string>();
  for (const [sequenceNumber, line] of lineOfRecord) {
    const invoice = unsavedOf.get(line.invoiceNo);
    if (invoice === undefined) continue;
    if (invoice.refusedLineIds === undefined) unwritten.set(sequenceNumber, invoice.reason);
    else if (invoice.refusedLineIds.includes(line.lineId)) {
      const record = recordOf.get(sequenceNumber) as KinesisStreamRecord;
      refused.push({ record, problem: 'refused-by-sink', reason: invoice.reason });
    }
  }
  for (const invoice of unsaved)
    if (invoice.refusedLineIds === undefined) logger.error('Invoice not saved this time', { ...invoice });

  const { response, recordsKept } = await settleInvoiceLineBatch(
    event,
    { invalid: [...notInvoiceLines, ...refused], unwritten },
    writer,
    context.functionName,
  );
  logger.info('Invoice line batch written', {
    records: event.Records.length,
    recordsWritten: lineOfRecord.size - unwritten.size - refused.length,
    recordsKeptAsInvalid: recordsKept,
    recordsRetried: response.batchItemFailures.length,
  });
  return response;
}
