import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TEST_ACCOUNT_ID, TEST_REGION, TEST_STAGE } from '@retail/test-support';
import { parse, type ScalarTag } from 'yaml';
import type { PlatformTemplate } from '../../../src/cloudformation/read-platform-template';
import type { CloudFormationResources } from '../../../src/cloudformation/resolve-intrinsics';
import { glueResourcesOf } from '../../../src/glue/glue-component';
import {
  parseCrawler,
  parseDatabase,
  parseJob,
  type LocalCrawlerDefinition,
  type LocalDatabaseDefinition,
  type LocalJobDefinition,
} from '../../../src/glue/glue-resource-definitions';

const REPOSITORY = path.resolve(__dirname, '../../../../..');
export { TEST_ACCOUNT_ID, TEST_REGION, TEST_STAGE };

// CloudFormation's short forms, read as the long forms (resolved later, as the platform resolves them).
const cloudFormationTags: ScalarTag[] = ['Ref', 'Sub', 'GetAtt', 'ImportValue'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) =>
    name === 'Ref' ? { Ref: value } : { [`Fn::${name}`]: name === 'GetAtt' ? value.split('.') : value },
}));

/** `${self:custom.<path>}` and `${sls:stage}` as osls would substitute them for the test stage. */
function substituteVariables(text: string, custom: Record<string, unknown>): string {
  return text
    .replace(/\$\{self:custom\.([\w.]+)\}/g, (match, keyPath: string) => {
      const value = keyPath
        .split('.')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], custom);
      if (typeof value !== 'string') throw new Error(`${match} resolves to no string`);
      return value;
    })
    .replaceAll('${sls:stage}', TEST_STAGE);
}

/** The platform template's S3 and Glue resources (resources/s3.yml, glue.yml, glue-warehouse.yml) for the test stage. */
export function glueTestTemplate(): PlatformTemplate {
  const names = parse(readFileSync(path.join(REPOSITORY, 'resources', 'names.yml'), 'utf8')) as Record<string, string>;
  const serverless = parse(readFileSync(path.join(REPOSITORY, 'serverless.yml'), 'utf8'), {
    customTags: cloudFormationTags,
  }) as { custom: { artifacts: unknown } };
  const custom = { names, artifacts: serverless.custom.artifacts };
  const resources: CloudFormationResources = {};
  for (const file of ['s3.yml', 'glue.yml', 'glue-warehouse.yml']) {
    const text = substituteVariables(readFileSync(path.join(REPOSITORY, 'resources', file), 'utf8'), custom);
    Object.assign(
      resources,
      (parse(text, { customTags: cloudFormationTags }) as { Resources: CloudFormationResources }).Resources,
    );
  }
  return { service: 'retail-platform', stage: TEST_STAGE, region: TEST_REGION, resources };
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
