import path from 'node:path';
import { intrinsicContextOf } from '../cloudformation/read-platform-template';
import { resolveIntrinsics } from '../cloudformation/resolve-intrinsics';
import { isJsonObject, type JsonObject } from '../json-object';
import type { PlatformComponent } from '../platform-component';
import type { PlatformTemplate } from '../cloudformation/read-platform-template';
import { LOOPBACK_HOST } from '../platform-settings';
import { parseCrawler, parseDatabase, parseJob } from './glue-resource-definitions';
import { startLocalGlue } from './local-glue';

/** The CloudFormation types the local Glue runs (workflows and triggers: `npm run batch` runs crawl then job). */
export const GLUE_RESOURCE_TYPES = ['AWS::Glue::Database', 'AWS::Glue::Crawler', 'AWS::Glue::Job'] as const;

/** The local Glue, configured from the template's databases, crawlers and jobs; needs the buckets and the warehouse. */
export function localGlueComponent(port: number): PlatformComponent {
  return {
    name: 'glue',
    resourceTypes: GLUE_RESOURCE_TYPES,
    async start({ platform, stack, log }) {
      const s3Endpoint = stack.endpoints.s3;
      if (s3Endpoint === undefined)
        throw new Error('The local Glue needs the S3 emulator started in an earlier phase.');
      const declared = (type: (typeof GLUE_RESOURCE_TYPES)[number]) =>
        glueResourcesOf(platform.template, platform.accountId, type);
      const glue = await startLocalGlue({
        port,
        host: LOOPBACK_HOST,
        stateDir: path.join(platform.stateDir, 'glue'),
        s3Endpoint,
        region: platform.region,
        accountId: platform.accountId,
        databases: declared('AWS::Glue::Database').map(([id, properties]) => parseDatabase(id, properties)),
        crawlers: declared('AWS::Glue::Crawler').map(([id, properties]) => parseCrawler(id, properties)),
        jobs: declared('AWS::Glue::Job').map(([id, properties]) => parseJob(id, properties)),
        warehouseUrl: stack.warehouseUrl,
        // A job run's script calls the platform's S3, Glue and Data API: the endpoints of the earlier phases.
        jobEnvironment: stack.environment,
        artifacts: platform.template.artifacts ?? [],
        log: (message) => log.warn(`glue: ${message}`),
      });
      return {
        contribution: {
          endpoints: { glue: glue.endpoint },
          environment: { AWS_ENDPOINT_URL_GLUE: glue.endpoint },
        },
        stop: () => glue.stop(),
      };
    },
  };
}

/** [logicalId, resolved properties] of every resource of the type, in template order. */
export function glueResourcesOf(template: PlatformTemplate, accountId: string, type: string): [string, JsonObject][] {
  const context = intrinsicContextOf(template, accountId);
  return Object.entries(template.resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId, resource]) => {
      const properties = resolveIntrinsics(resource.Properties ?? {}, context);
      return [logicalId, isJsonObject(properties) ? properties : {}];
    });
}
