import { readInvoiceLineRecords, type InvoiceLineRecordsReader, type InvoiceStore } from '@retail/adapters';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';

export interface InvoiceLineRecordsWriter extends InvoiceLineRecordsReader {
  invoiceStore: Pick<InvoiceStore, 'saveInvoiceLines'>;
}

/**
 * Writes a batch of Kinesis records, each an invoice line, to the invoice store and reports the records to retry.
 * Each record is parsed on its own (one that is not an invoice line is reported and the others go on), then all
 * valid lines are saved together so DynamoDB receives them in bulk. The records of an invoice that could not be
 * saved are reported too; Lambda retries from the earliest reported record, which rewrites some lines that were
 * already stored: harmless, because lines are keyed by lineId and a summary only grows by lines it has not counted
 * (else it is recounted from the stored lines).
 */
export async function writeInvoiceLineRecords(
  event: KinesisStreamEvent,
  { processor, invoiceStore, logger }: InvoiceLineRecordsWriter,
  context?: Context,
): Promise<KinesisStreamBatchResponse> {
  const { lineOfRecord, unreadable } = await readInvoiceLineRecords(event, { processor, logger }, context);

  const unsaved = await invoiceStore.saveInvoiceLines([...lineOfRecord.values()]);
  for (const invoice of unsaved) logger.error('Invoice not saved; its records are reported for retry', { ...invoice });
  const unsavedInvoiceNos = new Set(unsaved.map((invoice) => invoice.invoiceNo));
  const unwritten = [...lineOfRecord]
    .filter(([, line]) => unsavedInvoiceNos.has(line.invoiceNo))
    .map(([sequenceNumber]) => ({ itemIdentifier: sequenceNumber }));

  logger.info('Invoice line batch written', {
    records: event.Records.length,
    recordsWritten: lineOfRecord.size - unwritten.length,
    recordsUnreadable: unreadable.length,
    recordsUnwritten: unwritten.length,
  });
  return { batchItemFailures: [...unreadable, ...unwritten] };
}
