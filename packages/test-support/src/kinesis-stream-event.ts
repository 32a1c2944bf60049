import type { InvoiceLineEvent } from '@retail/domain';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { invoiceLineStreamDefinition } from './kinesis-test-stream';
import type { LambdaContextOptions } from './lambda-context';
import { TEST_REGION, TEST_STAGE } from './test-stage';

const TEST_ACCOUNT_ID = '123456789012';
// A real Kinesis sequence number: 56 digits, increasing along a shard.
const FIRST_SEQUENCE_NUMBER = 49590338271490256608559692538361571095921575989136588898n;

/** The function the stream invokes, as its serverless.yml declares it. */
export interface StreamConsumer {
  /** serverless.yml's `service`, e.g. retail-stream-to-s3. */
  service: string;
  /** The function's key under `functions`, e.g. deliverRawEvents. */
  functionKey: string;
  memorySize: number;
}

export interface KinesisPayload {
  partitionKey: string;
  data: Buffer;
}

/** An invoice line as the ingest API puts it: its canonical JSON, partitioned by invoice number. */
export function invoiceLinePayload(line: InvoiceLineEvent): KinesisPayload {
  return { partitionKey: line.invoiceNo, data: Buffer.from(JSON.stringify(line)) };
}

export function rawPayload(text: string, partitionKey = 'poison'): KinesisPayload {
  return { partitionKey, data: Buffer.from(text) };
}

/**
 * Builds Lambda's Kinesis events for one shard of the invoice line stream, field for field as AWS sends them to the
 * consumer (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html): each new event continues the shard's
 * sequence numbers, so sending an event again is a replay of the same records and a new event holds new records.
 */
export class KinesisShardEvents {
  private next = FIRST_SEQUENCE_NUMBER;
  private arrival = Date.UTC(2010, 11, 1, 8, 26) / 1000;

  constructor(
    private readonly consumer: StreamConsumer,
    private readonly shardId = 'shardId-000000000000',
  ) {}

  event(payloads: readonly KinesisPayload[]): KinesisStreamEvent {
    const { streamName } = invoiceLineStreamDefinition();
    const Records = payloads.map((payload): KinesisStreamRecord => {
      const sequenceNumber = String(this.next);
      this.next += 1_000_000n;
      this.arrival += 0.001;
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: payload.partitionKey,
          sequenceNumber,
          data: payload.data.toString('base64'),
          approximateArrivalTimestamp: Math.round(this.arrival * 1000) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${this.shardId}:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        // The consumer's execution role, as osls names it.
        invokeIdentityArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${this.consumer.service}-${TEST_STAGE}-${TEST_REGION}-lambdaRole`,
        awsRegion: TEST_REGION,
        eventSourceARN: `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT_ID}:stream/${streamName}`,
      };
    });
    return { Records };
  }

  /** The events of a stream of payloads read `batchSize` records at a time, like Lambda's poller. */
  events(payloads: readonly KinesisPayload[], batchSize: number): KinesisStreamEvent[] {
    const events: KinesisStreamEvent[] = [];
    for (let start = 0; start < payloads.length; start += batchSize)
      events.push(this.event(payloads.slice(start, start + batchSize)));
    return events;
  }
}

/** The consumer's deployed function, for `lambdaContext`: osls names it `<service>-<stage>-<function key>`. */
export function streamConsumerFunction({ service, functionKey, memorySize }: StreamConsumer): LambdaContextOptions {
  return {
    functionName: `${service}-${TEST_STAGE}-${functionKey}`,
    memorySize,
    remainingTimeMs: 60_000,
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  };
}
