import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { kinesisEventPayload, type ShardRecord } from './kinesis-event-record';
import type { KinesisEventSourceMapping } from './kinesis-event-source-mapping';

/** Why Lambda gave up on a batch (requestContext.condition as AWS writes it). */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** The records given up on and what the last invocation of them answered. */
export interface DiscardedBatch {
  shardId: string;
  records: readonly ShardRecord[];
  condition: DiscardCondition;
  approximateInvokeCount: number;
  /** Absent when the records aged out (AWS then writes no responseContext). */
  response?: { statusCode: number; functionError: string | null };
}

/**
 * The invocation record Lambda sends to a Kinesis mapping's on-failure destination: same keys in the same order as
 * AWS's (requestContext, responseContext, version, timestamp, KinesisBatchInfo); S3 destinations also get the event.
 */
export function invocationRecordJson(
  mapping: KinesisEventSourceMapping,
  batch: DiscardedBatch,
  at: Date,
  withPayload: boolean,
): string {
  const first = batch.records[0];
  const last = batch.records[batch.records.length - 1];
  if (!first || !last) throw new Error('An invocation record needs at least one record.');
  const record = {
    requestContext: {
      requestId: randomUUID(),
      functionArn: mapping.functionArn,
      condition: batch.condition,
      approximateInvokeCount: batch.approximateInvokeCount,
    },
    ...(batch.response && {
      responseContext: {
        statusCode: batch.response.statusCode,
        executedVersion: '$LATEST',
        functionError: batch.response.functionError,
      },
    }),
    version: '1.0',
    timestamp: at.toISOString(),
    KinesisBatchInfo: {
      shardId: batch.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.approximateArrivalMs).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.approximateArrivalMs).toISOString(),
      batchSize: batch.records.length,
      streamArn: mapping.streamArn,
    },
  };
  const json = JSON.stringify(record);
  // The event is spliced in as serialised, not re-parsed: up to 6 MB per batch.
  return withPayload ? `${json.slice(0, -1)},"payload":${kinesisEventPayload(batch.records).toString('utf8')}}` : json;
}

/** `aws/lambda/<ESM UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`, as AWS names S3 invocation records. */
export function invocationRecordS3Key(mappingUuid: string, shardId: string, at: Date): string {
  const iso = at.toISOString();
  const [year, month, day] = iso.slice(0, 10).split('-') as [string, string, string];
  const time = iso.slice(11, 19).replace(/:/g, '.');
  return `aws/lambda/${mappingUuid}/${shardId}/${year}/${month}/${day}/${year}-${month}-${day}T${time}-${randomUUID()}`;
}

export interface OnFailureDestinationClients {
  /** Absent when the mappings were started without an S3 endpoint. */
  s3: S3Client | undefined;
  /** Where SQS and SNS invocation records go: the local platform emulates neither. */
  stateDir: string;
}

/** Where an invocation record ended up, for the log. */
export type DeliveredInvocationRecord = { kind: 's3'; bucket: string; key: string } | { kind: 'file'; path: string };

/** Sends the invocation record to `destinationArn`; throws if it could not, so the caller keeps the records. */
export async function sendToOnFailureDestination(
  destinationArn: string,
  mapping: KinesisEventSourceMapping,
  batch: DiscardedBatch,
  clients: OnFailureDestinationClients,
  abortSignal: AbortSignal,
): Promise<DeliveredInvocationRecord> {
  const at = new Date();
  const [, , service = '', , , resource = ''] = destinationArn.split(':');
  if (service === 's3') {
    if (!clients.s3) throw new Error(`No S3 endpoint was given for the on-failure destination ${destinationArn}.`);
    const bucket = resource.split('/')[0] ?? '';
    const key = invocationRecordS3Key(mapping.uuid, batch.shardId, at);
    const body = invocationRecordJson(mapping, batch, at, true);
    await clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
      { abortSignal },
    );
    return { kind: 's3', bucket, key };
  }
  if (service === 'sqs' || service === 'sns') {
    // Same body AWS would send (metadata only), kept on disk so nothing is lost without an emulator.
    const directory = path.join(clients.stateDir, 'on-failure-destinations', service, resource);
    await mkdir(directory, { recursive: true });
    const file = path.join(
      directory,
      `${invocationRecordS3Key(mapping.uuid, batch.shardId, at).replace(/\//g, '_')}.json`,
    );
    await writeFile(`${file}.tmp`, invocationRecordJson(mapping, batch, at, false));
    await rename(`${file}.tmp`, file);
    return { kind: 'file', path: file };
  }
  throw new Error(
    `On-failure destination ${destinationArn} of ${mapping.functionName}: Kinesis mappings support S3, SQS and SNS destinations.`,
  );
}
