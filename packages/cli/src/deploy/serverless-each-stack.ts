// `npm run deploy -- --stage dev` (and `package`, `remove`): one Serverless command over every stack of a stage, in
// dependency order: the platform stack (serverless.yml at the root) exports what the services import.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { createS3Client } from '@retail/adapters';
import { SERVERLESS_CLI } from '@retail/local-platform';
import { DEFAULT_REGION, passedFlagValue } from '../command/cli-args';
import { runCommand } from '../command/command-process';
import { REPOSITORY_ROOT } from '../command/repository-paths';
import { emptyStackBuckets } from './empty-stack-buckets';
import { migrateWarehouseAfterDeploy } from './migrate-warehouse';

const COMMANDS_IN_DEPENDENCY_ORDER = ['deploy', 'package', 'info', 'print'];
const COMMANDS_IN_REVERSE_ORDER = ['remove'];

export function stacksInDependencyOrder(): string[] {
  const services = path.join(REPOSITORY_ROOT, 'services');
  const serviceDirs = readdirSync(services)
    .map((name) => path.join(services, name))
    .filter((dir) => existsSync(path.join(dir, 'serverless.yml')))
    .sort();
  return [REPOSITORY_ROOT, ...serviceDirs];
}

/** `<service>-<stage>`, the CloudFormation stack osls deploys a folder's serverless.yml to. */
function stackName(directory: string, options: readonly string[]): string {
  const service = /^service: *(\S+)/m.exec(readFileSync(path.join(directory, 'serverless.yml'), 'utf8'))?.[1];
  return `${service ?? path.basename(directory)}-${passedFlagValue(options, '--stage') ?? 'dev'}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...options] = argv;
  if (
    !command ||
    ![...COMMANDS_IN_DEPENDENCY_ORDER, ...COMMANDS_IN_REVERSE_ORDER].includes(command) ||
    !options.includes('--stage')
  ) {
    console.error(
      `Usage: npm run ${command ?? 'deploy'} -- --stage <stage> [--region <region>]\n  runs \`sls <${[...COMMANDS_IN_DEPENDENCY_ORDER, ...COMMANDS_IN_REVERSE_ORDER].join('|')}>\` on the platform stack and every service`,
    );
    return 2;
  }
  const region = passedFlagValue(options, '--region') ?? DEFAULT_REGION;
  const clients =
    command === 'remove'
      ? { cloudFormation: new CloudFormationClient({ region }), s3: createS3Client({ region }) }
      : undefined;
  const stacks = COMMANDS_IN_REVERSE_ORDER.includes(command)
    ? stacksInDependencyOrder().reverse()
    : stacksInDependencyOrder();
  for (const stack of stacks) {
    console.log(
      `\n== sls ${command} ${options.join(' ')} in ${path.relative(REPOSITORY_ROOT, stack) || '. (platform stack)'}`,
    );
    if (clients) await emptyStackBuckets(stackName(stack, options), clients, (line) => console.log(line));
    const run = spawnSync(process.execPath, [SERVERLESS_CLI, command, ...options], { cwd: stack, stdio: 'inherit' });
    if (run.status !== 0) {
      console.error(`sls ${command} failed in ${stack}: the stacks after it were not touched.`);
      return run.status ?? 1;
    }
  }
  // The warehouse schema goes in through the Data API once the stacks are up (resources/warehouse.yml says why).
  if (command === 'deploy') return migrateWarehouseAfterDeploy(options);
  return 0;
}

if (require.main === module) runCommand(main);
