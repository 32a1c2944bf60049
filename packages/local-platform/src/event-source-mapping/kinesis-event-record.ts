import type { _Record as KinesisRecord } from '@aws-sdk/client-kinesis';
import type { KinesisEventSourceMapping } from './kinesis-event-source-mapping';

// Lambda's synchronous invocation payload limit; Lambda keeps a stream batch under it whatever the batch size.
export const MAX_INVOKE_PAYLOAD_BYTES = 6 * 1024 * 1024;

const RECORDS_PREFIX = Buffer.from('{"Records":[');
const RECORDS_SEPARATOR = Buffer.from(',');
const RECORDS_SUFFIX = Buffer.from(']}');

/** A record read from a shard, with its entry of the Lambda event already serialised (retries and bisections reuse it). */
export interface ShardRecord {
  sequenceNumber: string;
  /** Epoch milliseconds. */
  approximateArrivalMs: number;
  /** When the mapping read it (epoch milliseconds): the batching window counts from here. */
  readAtMs: number;
  /** The record's element of the event's `Records`, as UTF-8 JSON. */
  eventRecord: Buffer;
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

export function toShardRecord(
  record: KinesisRecord,
  shardId: string,
  mapping: KinesisEventSourceMapping,
  deliver: boolean,
): ShardRecord {
  return {
    sequenceNumber: record.SequenceNumber ?? '',
    approximateArrivalMs: record.ApproximateArrivalTimestamp?.getTime() ?? 0,
    readAtMs: Date.now(),
    eventRecord: Buffer.from(JSON.stringify(kinesisEventRecord(record, shardId, mapping))),
    deliver,
  };
}

/**
 * `{"Records":[...]}` for these records as UTF-8 JSON, copied from their serialised entries. Bytes, not a string: a
 * string payload of megabytes costs the SDK a JavaScript pass to measure it and another to encode it for signing.
 */
export function kinesisEventPayload(records: readonly ShardRecord[]): Buffer {
  const parts: Buffer[] = [RECORDS_PREFIX];
  records.forEach((record, index) => {
    if (index > 0) parts.push(RECORDS_SEPARATOR);
    parts.push(record.eventRecord);
  });
  parts.push(RECORDS_SUFFIX);
  return Buffer.concat(parts);
}

/** The size in bytes of the event holding `recordCount` records whose entries total `recordBytes`. */
export function kinesisEventBytes(recordCount: number, recordBytes: number): number {
  return RECORDS_PREFIX.length + recordBytes + Math.max(0, recordCount - 1) + RECORDS_SUFFIX.length;
}
