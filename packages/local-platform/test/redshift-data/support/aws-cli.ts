import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * `aws redshift-data <args> --endpoint-url <endpoint> --output json`, as a user types it (Debian's awscli or pip's;
 * any credentials), parsed.
 */
export function redshiftDataCli(endpoint: string): (...args: string[]) => Promise<Record<string, unknown>> {
  const environment = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_DEFAULT_REGION: 'eu-west-2',
    AWS_PAGER: '',
  };
  return async (...args) =>
    JSON.parse(
      (
        await run('aws', ['redshift-data', ...args, '--endpoint-url', endpoint, '--output', 'json'], {
          env: environment,
        })
      ).stdout,
    ) as Record<string, unknown>;
}
