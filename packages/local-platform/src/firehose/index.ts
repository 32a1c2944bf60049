export {
  startLocalFirehose,
  type LocalDeliveryStreamConfig,
  type LocalFirehose,
  type LocalFirehoseOptions,
} from './local-firehose';
export {
  parseExtendedS3Destination,
  DeliveryStreamDefinitionError,
  type S3DeliveryDefinition,
} from './extended-s3-destination';
export { PARTITIONING_FAILED } from './local-delivery-stream';
export {
  localFirehoseComponent,
  firehoseBufferIntervalFromEnvironment,
  firehoseRetryTimeScaleFromEnvironment,
  FIREHOSE_BUFFER_INTERVAL_VARIABLE,
  FIREHOSE_RETRY_TIME_SCALE_VARIABLE,
  type LocalFirehoseSettings,
} from './firehose-component';
export {
  parseRedshiftDestination,
  parseCopyOptions,
  firehoseCopyText,
  type RedshiftDeliveryDefinition,
} from './redshift-destination';
export {
  startKinesisSourcedStreams,
  type KinesisSourcedDeliveryStreamConfig,
  type KinesisSourcedOptions,
} from './kinesis-sourced-streams';
export { REDSHIFT_MANIFEST_FAILED } from './kinesis-redshift-delivery-stream';
