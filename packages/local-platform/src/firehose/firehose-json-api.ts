import { AwsJsonError, awsJsonRequestListener, type JsonOperation } from '../aws-json-protocol';
import type { KinesisRedshiftDeliveryStream } from './kinesis-redshift-delivery-stream';
import type { LocalDeliveryStream } from './local-delivery-stream';

/**
 * Firehose's API as the AWS SDK speaks it (JSON 1.1, `X-Amz-Target: Firehose_20150804.<Operation>`). Limits are AWS's: 500 records and 4 MiB per
 * PutRecordBatch, 1,000 KiB per record (sizes of the data before base64).
 */
export const PUT_RECORD_BATCH_MAX_RECORDS = 500;
export const PUT_RECORD_BATCH_MAX_BYTES = 4 * 1024 * 1024;
export const RECORD_MAX_BYTES = 1_000 * 1024;
// Base64 of 4 MiB of records plus JSON framing stays under this; anything larger could never be a valid request.
const REQUEST_BODY_MAX_BYTES = 8 * 1024 * 1024;
const TARGET_PREFIX = 'Firehose_20150804.';

class FirehoseApiError extends AwsJsonError {}

export function firehoseRequestListener(
  streams: ReadonlyMap<string, LocalDeliveryStream>,
  accountId: string,
  kinesisSourced: ReadonlyMap<string, KinesisRedshiftDeliveryStream> = new Map(),
) {
  const streamNamed = (request: Record<string, unknown>): LocalDeliveryStream => {
    const name = request.DeliveryStreamName;
    if (typeof name !== 'string' || name === '')
      throw new FirehoseApiError('InvalidArgumentException', 'DeliveryStreamName is required.');
    // As AWS answers: a stream reading Kinesis takes no records from clients.
    if (kinesisSourced.has(name))
      throw new FirehoseApiError(
        'InvalidArgumentException',
        'This operation is not permitted on KinesisStreamAsSource delivery stream type.',
      );
    const stream = streams.get(name);
    if (stream === undefined)
      throw new FirehoseApiError('ResourceNotFoundException', `Firehose ${name} under account ${accountId} not found.`);
    if (stream.isStopping)
      throw new FirehoseApiError(
        'ServiceUnavailableException',
        `Firehose ${name} is shutting down; try again once the local platform is back.`,
        503,
      );
    return stream;
  };

  const operations: Record<string, JsonOperation> = {
    async PutRecord(request) {
      const stream = streamNamed(request);
      const record = decodeRecord(request.Record, 'Record');
      const [recordId] = await stream.put([record]);
      return { RecordId: recordId };
    },
    async PutRecordBatch(request) {
      const stream = streamNamed(request);
      const { Records: records } = request;
      if (!Array.isArray(records) || records.length === 0)
        throw new FirehoseApiError('InvalidArgumentException', 'Records must hold at least one record.');
      if (records.length > PUT_RECORD_BATCH_MAX_RECORDS) {
        throw new FirehoseApiError(
          'InvalidArgumentException',
          `Records holds ${records.length} records; PutRecordBatch accepts at most ${PUT_RECORD_BATCH_MAX_RECORDS}.`,
        );
      }
      const decoded = records.map((record: unknown, index) => decodeRecord(record, `Records[${index}]`));
      const total = decoded.reduce((sum, record) => sum + record.bytes.length, 0);
      if (total > PUT_RECORD_BATCH_MAX_BYTES) {
        throw new FirehoseApiError(
          'InvalidArgumentException',
          `Records total ${total} bytes; PutRecordBatch accepts at most ${PUT_RECORD_BATCH_MAX_BYTES} (4 MiB).`,
        );
      }
      const recordIds = await stream.put(decoded);
      return { FailedPutCount: 0, RequestResponses: recordIds.map((id) => ({ RecordId: id })) };
    },
    async DescribeDeliveryStream(request) {
      const sourced = kinesisSourced.get(String(request.DeliveryStreamName));
      if (sourced !== undefined) return { DeliveryStreamDescription: describeKinesisSourced(sourced) };
      return { DeliveryStreamDescription: describe(streamNamed(request)) };
    },
    async ListDeliveryStreams(request) {
      const limit = typeof request.Limit === 'number' ? request.Limit : 10;
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new FirehoseApiError('InvalidArgumentException', 'Limit must be from 1 to 10000.');
      const type = request.DeliveryStreamType;
      const after =
        typeof request.ExclusiveStartDeliveryStreamName === 'string' ? request.ExclusiveStartDeliveryStreamName : '';
      const names = [
        ...[...streams.keys()].filter(() => type === undefined || type === 'DirectPut'),
        ...[...kinesisSourced.keys()].filter(() => type === undefined || type === 'KinesisStreamAsSource'),
      ]
        .filter((name) => name > after)
        .sort();
      return { DeliveryStreamNames: names.slice(0, limit), HasMoreDeliveryStreams: names.length > limit };
    },
  };

  return awsJsonRequestListener({
    emulator: 'the local Firehose',
    targetPrefix: TARGET_PREFIX,
    operations,
    maxBodyBytes: REQUEST_BODY_MAX_BYTES,
    internalErrorType: 'ServiceUnavailableException',
  });
}

function decodeRecord(record: unknown, where: string): { data: string; bytes: Buffer } {
  const data = typeof record === 'object' && record !== null ? (record as Record<string, unknown>).Data : undefined;
  if (typeof data !== 'string')
    throw new FirehoseApiError('InvalidArgumentException', `${where}.Data is required (base64).`);
  if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data))
    throw new FirehoseApiError('SerializationException', `${where}.Data is not base64.`);
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > RECORD_MAX_BYTES) {
    throw new FirehoseApiError(
      'InvalidArgumentException',
      `${where}.Data is ${bytes.length} bytes; a record may be at most ${RECORD_MAX_BYTES} (1,000 KiB) before base64.`,
    );
  }
  return { data, bytes };
}

function describe(stream: LocalDeliveryStream) {
  const { definition } = stream;
  const declared = definition.declared;
  const stringOrUndefined = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    DeliveryStreamName: stream.name,
    DeliveryStreamARN: stream.arn,
    DeliveryStreamStatus: 'ACTIVE',
    DeliveryStreamType: 'DirectPut',
    VersionId: '1',
    CreateTimestamp: stream.createdAt.getTime() / 1000,
    HasMoreDestinations: false,
    Destinations: [
      {
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationDescription: {
          BucketARN: `arn:aws:s3:::${stream.bucketName}`,
          RoleARN: stringOrUndefined(declared.RoleARN),
          Prefix: definition.prefix.text,
          ErrorOutputPrefix: definition.errorOutputPrefix?.text,
          BufferingHints: {
            SizeInMBs: definition.bufferingHints.sizeInMBs,
            IntervalInSeconds: definition.bufferingHints.intervalInSeconds,
          },
          CompressionFormat: definition.compression,
          EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
          FileExtension: stringOrUndefined(declared.FileExtension),
          CustomTimeZone: stringOrUndefined(declared.CustomTimeZone),
          DynamicPartitioningConfiguration: { Enabled: definition.dynamicPartitioning },
          ProcessingConfiguration: declared.ProcessingConfiguration,
          S3BackupMode: 'Disabled',
        },
      },
    ],
  };
}

function describeKinesisSourced(stream: KinesisRedshiftDeliveryStream) {
  const { definition } = stream;
  return {
    DeliveryStreamName: stream.name,
    DeliveryStreamARN: stream.arn,
    DeliveryStreamStatus: 'ACTIVE',
    DeliveryStreamType: 'KinesisStreamAsSource',
    VersionId: '1',
    CreateTimestamp: stream.createdAt.getTime() / 1000,
    HasMoreDestinations: false,
    Source: { KinesisStreamSourceDescription: { KinesisStreamARN: definition.sourceStreamArn } },
    Destinations: [
      {
        DestinationId: 'destinationId-000000000001',
        RedshiftDestinationDescription: {
          CopyCommand: {
            DataTableName: definition.copy.table,
            DataTableColumns: definition.copy.columns.join(','),
            CopyOptions: definition.copy.optionsText,
          },
          RetryOptions: { DurationInSeconds: definition.retryDurationInSeconds },
          S3DestinationDescription: {
            BucketARN: `arn:aws:s3:::${definition.staging.bucketName}`,
            Prefix: definition.declared.S3Configuration
              ? (definition.declared.S3Configuration as Record<string, unknown>).Prefix
              : undefined,
            CompressionFormat: definition.staging.compression,
            BufferingHints: {
              SizeInMBs: definition.staging.bufferingHints.sizeInMBs,
              IntervalInSeconds: definition.staging.bufferingHints.intervalInSeconds,
            },
          },
          S3BackupMode: 'Disabled',
        },
      },
    ],
  };
}
