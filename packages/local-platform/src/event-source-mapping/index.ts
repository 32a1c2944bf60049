// The local Lambda event-source mapping for Kinesis: read the mappings from serverless config, then run them.
export { readKinesisEventSourceMappings, type ReadMappingsOptions } from './read-kinesis-event-source-mappings';
export {
  startKinesisEventSourceMappings,
  DEFAULT_TIMING,
  type KinesisEventSourceMappingStats,
  type RunningKinesisEventSourceMappings,
  type StartKinesisEventSourceMappingsOptions,
} from './start-kinesis-event-source-mappings';
export {
  completeKinesisEventSourceMapping,
  OSLS_STREAM_DEFAULTS,
  type KinesisEventSourceMapping,
  type KinesisEventSourceMappingInput,
  type StartingPosition,
} from './kinesis-event-source-mapping';
export type { EventSourceMappingLog, EventSourceMappingTiming, ShardStats } from './shard-consumer';
export { kinesisEventSourceMappingsComponent } from './event-source-mapping-component';
