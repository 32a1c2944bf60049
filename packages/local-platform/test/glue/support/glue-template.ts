import { TEST_ACCOUNT_ID, TEST_REGION, TEST_STAGE } from '@retail/test-support';
import { readPlatformTemplateSync, type PlatformTemplate } from '../../../src/cloudformation/read-platform-template';
import { glueResourcesOf } from '../../../src/glue/glue-component';
import {
  parseCrawler,
  parseDatabase,
  parseJob,
  type LocalCrawlerDefinition,
  type LocalDatabaseDefinition,
  type LocalJobDefinition,
} from '../../../src/glue/glue-resource-definitions';

export { TEST_ACCOUNT_ID, TEST_REGION, TEST_STAGE };

/** The platform template for the test stage, read by the platform's own reader. */
export function glueTestTemplate(): PlatformTemplate {
  return readPlatformTemplateSync(TEST_STAGE);
}

export interface GlueTestDefinitions {
  databases: LocalDatabaseDefinition[];
  crawlers: LocalCrawlerDefinition[];
  jobs: LocalJobDefinition[];
  /** The raw bucket the crawler reads, as resources/s3.yml names it. */
  rawBucket: string;
}

export function glueTestDefinitions(template: PlatformTemplate = glueTestTemplate()): GlueTestDefinitions {
  const of = (type: string) => glueResourcesOf(template, TEST_ACCOUNT_ID, type);
  const crawlers = of('AWS::Glue::Crawler').map(([id, properties]) => parseCrawler(id, properties));
  return {
    databases: of('AWS::Glue::Database').map(([id, properties]) => parseDatabase(id, properties)),
    crawlers,
    jobs: of('AWS::Glue::Job').map(([id, properties]) => parseJob(id, properties)),
    rawBucket: crawlers.find((crawler) => crawler.s3Targets.length > 0)!.s3Targets[0]!.bucket,
  };
}
