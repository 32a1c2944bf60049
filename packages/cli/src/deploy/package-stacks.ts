// `sls package` of every stack of a stage, offline: what `npm run deploy` would send to CloudFormation, for
// `npm run validate` and the packaged-stack tests to read.
import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { SERVERLESS_CLI } from '@retail/local-platform';
import { REPOSITORY_ROOT } from '../command/repository-paths';
import { stacksInDependencyOrder } from './serverless-each-stack';

const run = promisify(execFile);

export interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
  Condition?: string;
}

export interface CloudFormationTemplate {
  Resources: Record<string, CloudFormationResource>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
  [section: string]: unknown;
}

export interface PackagedStack {
  /** The CloudFormation stack's name, `<service>-<stage>` (retail-platform-dev). */
  stackName: string;
  /** The stack's folder, relative to the repository ('.' for the platform stack). */
  folder: string;
  /** The platform stack exports what the services import. */
  isPlatformStack: boolean;
  stage: string;
  region: string;
  templateFile: string;
  template: CloudFormationTemplate;
}

/**
 * Packages each stack into `<outputDirectory>/<folder name>`, one after the other (serverless-esbuild builds in the
 * stack's own folder). Fake credentials: packaging needs none, and a user's real ones must not make it go online.
 */
export async function packageStacks(
  stage: string,
  outputDirectory: string,
  options: { region?: string } = {},
): Promise<PackagedStack[]> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'packaging-only',
    AWS_SECRET_ACCESS_KEY: 'packaging-only',
  };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  const regionFlag = options.region ? ['--region', options.region] : [];
  const stacks: PackagedStack[] = [];
  for (const directory of stacksInDependencyOrder()) {
    const folder = path.relative(REPOSITORY_ROOT, directory) || '.';
    const packageDirectory = path.join(outputDirectory, folder === '.' ? 'platform' : path.basename(directory));
    await mkdir(packageDirectory, { recursive: true });
    try {
      await run(
        process.execPath,
        [SERVERLESS_CLI, 'package', '--stage', stage, ...regionFlag, '--package', packageDirectory],
        {
          cwd: directory,
          env,
          maxBuffer: 16 * 1024 * 1024,
        },
      );
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`sls package --stage ${stage} failed in ${folder}:\n${stdout}${stderr}`);
    }
    const templateFile = path.join(packageDirectory, 'cloudformation-template-update-stack.json');
    const state = JSON.parse(await readFile(path.join(packageDirectory, 'serverless-state.json'), 'utf8')) as {
      service: { service: string; provider: { stage: string; region: string } };
    };
    stacks.push({
      stackName: `${state.service.service}-${state.service.provider.stage}`,
      folder,
      isPlatformStack: folder === '.',
      stage: state.service.provider.stage,
      region: state.service.provider.region,
      templateFile,
      template: JSON.parse(await readFile(templateFile, 'utf8')) as CloudFormationTemplate,
    });
  }
  return stacks;
}
