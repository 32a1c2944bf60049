import { Logger } from '@aws-lambda-powertools/logger';
import { invoiceLinePayload, KinesisShardEvents, readSampleRows, sampleLines } from '@retail/test-support';
import { invoiceLineRecordProcessorFactory, readInvoiceLineRecords } from '../src/kinesis-invoice-line-records';

describe('readInvoiceLineRecords', () => {
  it("reads each batch's own lines when invocations overlap in one process, as serverless-offline runs two shards' batches", async () => {
    const lines = sampleLines(await readSampleRows()).slice(0, 400);
    const logger = new Logger({ logLevel: 'SILENT' });
    // One reader per process, as the consumers' composition roots build it.
    const reader = { newProcessor: invoiceLineRecordProcessorFactory(logger), logger };
    const consumer = { service: 'retail-stream-to-dynamo', functionKey: 'writeInvoiceLines', memorySize: 512 };
    const events = ['shardId-000000000000', 'shardId-000000000001'].map((shardId, shard) =>
      new KinesisShardEvents(consumer, shardId).event(
        lines.filter((_line, index) => index % 2 === shard).map(invoiceLinePayload),
      ),
    );

    const read = await Promise.all(events.map((event) => readInvoiceLineRecords(event, reader)));

    read.forEach(({ lineOfRecord, notInvoiceLines }, shard) => {
      expect([...lineOfRecord.keys()]).toEqual(events[shard]!.Records.map((record) => record.kinesis.sequenceNumber));
      expect(notInvoiceLines).toEqual([]);
    });
  });
});
