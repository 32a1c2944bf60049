import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisEventSourceMapping } from './kinesis-event-source-mapping';

// Lambda's synchronous invocation payload limit; Lambda keeps a stream batch under it whatever the batch size.
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

const RECORDS_PREFIX = '{"Records":[';
const RECORDS_SUFFIX = ']}';

/** A record read from a shard, with its entry of the Lambda event already serialised (retries and bisections reuse it). */
export interface ShardRecord {
  sequenceNumber: string;
  /** Epoch milliseconds. */
  approximateArrivalMs: number;
  /** When the mapping read it (epoch milliseconds): the batching window counts from here. */
  readAtMs: number;
  /** The record's element of the event's `Records`, as JSON. */
  eventRecordJson: string;
  eventRecordBytes: number;
  /** False when the mapping's start position or filters pass over it: consumed and checkpointed, never invoked. */
  deliver: boolean;
}

/** The `Records[]` element Lambda builds for a Kinesis record: same fields, same order as AWS's events. */
export function kinesisEventRecord(record: KinesisRecord, shardId: string, mapping: KinesisEventSourceMapping): object {
  const data = record.Data ?? new Uint8Array();
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey,
      sequenceNumber: record.SequenceNumber,
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${record.SequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: mapping.invokeIdentityArn,
    awsRegion: mapping.region,
    eventSourceARN: mapping.streamArn,
  };
}

export function toShardRecord(record: KinesisRecord, shardId: string, mapping: KinesisEventSourceMapping, deliver: boolean): ShardRecord {
  const eventRecordJson = JSON.stringify(kinesisEventRecord(record, shardId, mapping));
  return {
    sequenceNumber: record.SequenceNumber ?? '',
    approximateArrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
    readAtMs: Date.now(),
    eventRecordJson,
    eventRecordBytes: Buffer.byteLength(eventRecordJson),
    deliver,
  };
}

/** `{"Records":[...]}` for these records, built from their serialised entries. */
export function kinesisEventJson(records: readonly ShardRecord[]): string {
  return RECORDS_PREFIX + records.map((record) => record.eventRecordJson).join(',') + RECORDS_SUFFIX;
}

/** The size in bytes of the event holding `recordCount` records whose entries total `recordBytes`. */
export function kinesisEventBytes(recordCount: number, recordBytes: number): number {
  return RECORDS_PREFIX.length + recordBytes + Math.max(0, recordCount - 1) + RECORDS_SUFFIX.length;
}
