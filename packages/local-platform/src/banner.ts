import path from 'node:path';
import { PLATFORM_LOG_FILE_NAME } from './platform-log';
import { LOCAL_CREDENTIALS } from './platform-settings';
import type { StackFile } from './stack-file';

/** What `npm start` prints once everything answers: where to send requests, with which key, where state lives. */
export function formatReadyBanner(stack: StackFile, stackFile: string, startupMs: number): string {
  const relative = (file: string) => path.relative(process.cwd(), file) || '.';
  const names = (resources: Record<string, { name: string }>) =>
    Object.values(resources)
      .map((resource) => resource.name)
      .join(', ') || '(none)';
  const routes = stack.routes.map(
    (route) =>
      `      ${route.method.padEnd(6)} ${route.url}  (${route.service}${route.private ? ', needs x-api-key' : ''})`,
  );
  const services = Object.entries(stack.endpoints.services).map(
    ([name, endpoints]) =>
      `      ${name.padEnd(20)} ${endpoints.http ?? '(no http events)'}   Lambda Invoke ${endpoints.lambda}`,
  );
  return [
    '',
    `Local platform ready in ${(startupMs / 1000).toFixed(1)} s: stage ${stack.stage}, region ${stack.region}, account ${stack.accountId}`,
    '',
    `  API        ${stack.apiUrl}`,
    `  API key    ${stack.apiKey}   (header x-api-key)`,
    ...(stack.dashboardUrl !== undefined ? [`  Dashboard  ${stack.dashboardUrl}`] : []),
    ...(routes.length > 0 ? routes : ['      (no service declares http routes yet)']),
    `  Services`,
    ...(services.length > 0 ? services : ['      (none has functions yet)']),
    `  Kinesis    ${stack.endpoints.kinesis}   streams: ${names(stack.resources.streams)}`,
    `  DynamoDB   ${stack.endpoints.dynamodb}   tables: ${names(stack.resources.tables)}`,
    `  S3         ${stack.endpoints.s3}   buckets: ${names(stack.resources.buckets)}`,
    ...(stack.endpoints.glue === undefined
      ? []
      : [
          `  Glue       ${stack.endpoints.glue}   (aws glue get-tables --database-name <db> --endpoint-url ${stack.endpoints.glue})`,
        ]),
    ...(stack.warehouseUrl !== undefined
      ? [`  Warehouse  ${stack.warehouseUrl}   (psql "${stack.warehouseUrl}")`]
      : []),
    ...(stack.warehouseBiUrl !== undefined ? [`  BI login   ${stack.warehouseBiUrl}   (read-only, for BI tools)`] : []),
    ...(stack.endpoints.redshiftData !== undefined
      ? [`  Redshift Data API ${stack.endpoints.redshiftData}   (aws redshift-data ... --endpoint-url it)`]
      : []),
    `  AWS keys   ${LOCAL_CREDENTIALS.accessKeyId} / ${LOCAL_CREDENTIALS.secretAccessKey} (s3rver accepts only these)`,
    `  State      ${relative(stack.stateDir)}/ (kept across restarts; \`npm start -- --fresh\` starts empty)`,
    `  Stack file ${relative(stackFile)} (readStackFile() from @retail/local-platform)`,
    `  Log file   ${relative(path.join(stack.stateDir, PLATFORM_LOG_FILE_NAME))} (every line; here, a repeated error is counted every 10 s)`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
