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
  FIREHOSE_BUFFER_INTERVAL_VARIABLE,
  type LocalFirehoseSettings,
} from './firehose-component';
