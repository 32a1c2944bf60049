// AWS's own template validator (@aws/cloudformation-validate: the CloudFormation resource schemas and cfn-lint's
// rules, compiled to WASM, offline): unknown types and properties, required properties, types, enums, patterns,
// Ref/GetAtt/Sub targets.
import { RegoEngine, TemplateFile, type Engine, type Severity } from '@aws/cloudformation-validate';
import type { PackagedStack } from '../deploy/package-stacks';
import type { TemplateFinding } from './template-findings';

/** Warnings fail like errors; INFO (advice such as "prefer Fn::Sub") does not. */
const LOWEST_SEVERITY_REPORTED: Severity = 'WARN';

/** Rules switched off one by one, each for one resource type, with why. Nothing else is excluded. */
export const EXCLUDED_AWS_VALIDATOR_RULES: readonly { ruleId: string; resourceType: string; reason: string }[] = [
  {
    ruleId: 'W3005',
    resourceType: 'AWS::Lambda::Function',
    reason:
      "osls adds DependsOn on a function's own role, which its Role GetAtt already implies: redundant, harmless, generated",
  },
  {
    ruleId: 'W3011',
    resourceType: 'AWS::Lambda::Version',
    reason:
      'osls retains old function versions (DeletionPolicy Retain) for rollbacks; a version is immutable, so no UpdateReplacePolicy applies',
  },
];

/** "'X' is not one of [every logical id of the template]" says enough with the first few. */
const shortenChoices = (message: string): string =>
  message.replace(/is not one of \[([^\]]*)\]/, (whole, choices: string) => {
    const names = choices.split(', ');
    return names.length <= 12
      ? whole
      : `is not one of the ${names.length} names allowed here (${names.slice(0, 12).join(', ')}, ...)`;
  });

export class AwsTemplateValidator {
  private constructor(private readonly engine: Engine) {}

  /** Loads the validator's 1,700 schemas: seconds, so make one and validate every stack with it. */
  static start(): AwsTemplateValidator {
    return new AwsTemplateValidator(new RegoEngine());
  }

  validate(stack: Pick<PackagedStack, 'stackName' | 'templateFile' | 'region'>): TemplateFinding[] {
    const report = this.engine.validateStandard(new TemplateFile(stack.templateFile), {
      severityLevel: LOWEST_SEVERITY_REPORTED,
      pseudoParameterOverrides: { region: stack.region, stackName: stack.stackName },
      exclude: {
        resourceTypes: EXCLUDED_AWS_VALIDATOR_RULES.map(({ ruleId, resourceType }) => ({ ruleId, resourceType })),
      },
    });
    const findings: TemplateFinding[] = report.diagnostics.map((diagnostic) => ({
      stack: stack.stackName,
      resource: diagnostic.entity?.logicalId ?? '(template)',
      rule: `aws-validator/${diagnostic.ruleId}`,
      message: `${diagnostic.severity}: ${shortenChoices(diagnostic.message)}${diagnostic.propertyPath ? ` (at ${diagnostic.propertyPath})` : ''}`,
    }));
    if (report.status !== 'OK')
      findings.push({
        stack: stack.stackName,
        resource: '(template)',
        rule: 'aws-validator/status',
        message: `the validator's analysis ended ${report.status}: findings may be missing; validate this template alone to see why`,
      });
    return findings;
  }

  stop(): void {
    this.engine.free();
  }
}
