export { localGlueComponent, GLUE_RESOURCE_TYPES } from './glue-component';
export { jobRunFiles, type JobRunFiles } from './python-shell-run';
export {
  startLocalGlue,
  LocalGlueService,
  type JobRunRecord,
  type LocalGlue,
  type LocalGlueOptions,
} from './local-glue';
export {
  parseCrawler,
  parseDatabase,
  parseJob,
  GlueDefinitionError,
  type LocalCrawlerDefinition,
  type LocalDatabaseDefinition,
  type LocalJobDefinition,
} from './glue-resource-definitions';
export { type CrawlOutcome } from './s3-crawl';
export { JsonSchemaInference, type CatalogColumn } from './json-schema-inference';
