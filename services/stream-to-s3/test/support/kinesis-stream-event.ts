import type { InvoiceLineEvent } from '@retail/domain';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

const TEST_REGION = 'eu-west-2';
const TEST_STAGE = 'test';
const TEST_ACCOUNT_ID = '123456789012';
const SERVICE = 'retail-stream-to-s3';
const FUNCTION_NAME = `${SERVICE}-${TEST_STAGE}-deliverRawEvents`;
const STREAM_NAME = `retail-${TEST_STAGE}-invoice-lines`;
// A real Kinesis sequence number: 56 digits, increasing along a shard.
const FIRST_SEQUENCE_NUMBER = 49590338271490256608559692538361571095921575989136588898n;

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
 * Lambda's Kinesis events for one shard of the invoice line stream, field for field as AWS sends them
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html); each event continues the shard's sequence numbers.
 */
export class KinesisShardEvents {
  private next = FIRST_SEQUENCE_NUMBER;
  private arrival = Date.UTC(2010, 11, 1, 8, 26) / 1000;

  constructor(private readonly shardId = 'shardId-000000000000') {}

  event(payloads: readonly KinesisPayload[]): KinesisStreamEvent {
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
        invokeIdentityArn: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/${SERVICE}-${TEST_STAGE}-${TEST_REGION}-lambdaRole`,
        awsRegion: TEST_REGION,
        eventSourceARN: `arn:aws:kinesis:${TEST_REGION}:${TEST_ACCOUNT_ID}:stream/${STREAM_NAME}`,
      };
    });
    return { Records };
  }
}

/** A Lambda context as the runtime passes it, for the logger. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT_ID}:function:${FUNCTION_NAME}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
    logStreamName: '2010/12/01/[$LATEST]f3ba7d2e5e4b4ba3a0c2f1e4d9a8b7c6',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
