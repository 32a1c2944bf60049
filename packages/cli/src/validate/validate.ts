// `npm run validate -- --stage <stage> [--region <region>]`: packages every stack offline and checks each template
// (AWS's validator, cross-stack imports, IAM, security rules). Exit 0 when nothing is found, 1 with findings, 2 usage.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONSOLE, parseStrict, readCommandLine, UsageError, type CommandOutput } from '../command/cli-args';
import { runCommand } from '../command/command-process';
import { packageStacks } from '../deploy/package-stacks';
import { AwsTemplateValidator, EXCLUDED_AWS_VALIDATOR_RULES } from './aws-template-validator';
import { formatFindings } from './template-findings';
import { formatExceptions, validateStacks } from './validate-stacks';

const USAGE = `Usage: npm run validate -- --stage <stage> [--region <region>]
  packages the platform stack and every service offline (no AWS account) and checks each CloudFormation template`;

interface ValidateOptions {
  help: boolean;
  stage: string;
  region?: string;
}

function parseValidateArgs(argv: readonly string[]): ValidateOptions {
  const { values } = parseStrict(argv, {
    stage: { type: 'string', short: 's' },
    region: { type: 'string', short: 'r' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return { help: true, stage: '' };
  if (typeof values.stage !== 'string' || !/^[a-z][a-z0-9-]*$/.test(values.stage))
    throw new UsageError('--stage <stage> is required: a lower-case name such as dev or prod');
  return { help: false, stage: values.stage, region: typeof values.region === 'string' ? values.region : undefined };
}

export async function validateStage(argv: readonly string[], output: CommandOutput = CONSOLE): Promise<number> {
  const command = readCommandLine(argv, parseValidateArgs, USAGE, output);
  if ('exitCode' in command) return command.exitCode;
  const { stage, region } = command.options;
  const outputDirectory = await mkdtemp(path.join(tmpdir(), `retail-validate-${stage}-`));
  const validator = AwsTemplateValidator.start();
  try {
    output.err(`packaging every stack of stage ${stage} offline...`);
    const stacks = await packageStacks(stage, outputDirectory, { region });
    const validation = await validateStacks(stacks, validator);
    output.out(formatFindings(validation.findings, validation.stacks));
    output.out(
      `AWS validator rules excluded:\n${EXCLUDED_AWS_VALIDATOR_RULES.map((r) => `  ${r.ruleId} on ${r.resourceType}: ${r.reason}`).join('\n')}`,
    );
    if (validation.excused.length > 0) output.out(`IAM exceptions:\n${formatExceptions(validation.excused)}`);
    return validation.findings.length === 0 ? 0 : 1;
  } finally {
    validator.stop();
    await rm(outputDirectory, { recursive: true, force: true });
  }
}

if (require.main === module) runCommand(validateStage);
