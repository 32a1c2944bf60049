export { startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from './local-platform';
export {
  readStackFile,
  stackFilePath,
  type BucketResource,
  type DeliveryStreamResource,
  type ServiceEndpoints,
  type StackEndpoints,
  type StackFile,
  type StackResources,
  type StackRoute,
  type StreamResource,
  type TableResource,
} from './stack-file';
export { createLocalAwsClients, type LocalAwsClients } from './local-aws-clients';
// The one reader of resources/: the platform stack as `sls print` gives it for a stage, its intrinsics resolved.
export {
  declaredBuckets,
  declaredDeliveryStreams,
  declaredKinesisSourcedDeliveryStreams,
  declaredProperties,
  declaredStreams,
  declaredTables,
  readPlatformTemplate,
  readPlatformTemplateSync,
  type DeclaredBucket,
  type DeclaredDeliveryStream,
  type DeclaredKinesisSourcedDeliveryStream,
  type DeclaredStream,
  type DeclaredTable,
  type PlatformTemplate,
} from './cloudformation/read-platform-template';
export { readLocalApiKey } from './platform-exports';
export {
  FREE_PORTS,
  LOCAL_STAGE,
  LOOPBACK_HOST,
  PORT_VARIABLES,
  SERVERLESS_CLI,
  portsFromEnvironment,
  type PlatformPorts,
} from './platform-settings';
export type { PlatformComponent, RunningComponent, StackContribution } from './platform-component';
export { jobRunFiles, type JobRunFiles } from './glue';
export {
  listServiceDirs,
  readServiceDefinition,
  type ServiceDefinition,
  type ServiceRoute,
} from './serverless-offline-service';
export { printServerlessConfiguration } from './serverless-print';
export type { MappingCheckpoints, ShardCheckpoint } from './event-source-mapping/checkpoint-file';
export {
  jsonpathsDocument,
  readLandingColumns,
  readWarehouseBiRole,
  WAREHOUSE_SQL_DIR,
  type LandingColumns,
} from './warehouse';
