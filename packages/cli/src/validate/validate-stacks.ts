import type { PackagedStack } from '../deploy/package-stacks';
import { checkAlarms } from './alarm-rules';
import { AwsTemplateValidator } from './aws-template-validator';
import { checkCrossStackImports } from './cross-stack-imports';
import { checkIamPolicies, type IamException } from './iam-rules';
import { checkSecurityRules } from './security-rules';
import { checkStagePolicies } from './stage-rules';
import type { TemplateFinding } from './template-findings';

export interface StackValidation {
  stacks: string[];
  findings: TemplateFinding[];
  /** Grants a named IAM exception accepted: printed, never silent. */
  excused: { exception: IamException; finding: TemplateFinding }[];
}

/** Every check over the packaged stacks of one stage. */
export async function validateStacks(
  stacks: readonly PackagedStack[],
  validator: AwsTemplateValidator,
): Promise<StackValidation> {
  const iam = await checkIamPolicies(stacks);
  return {
    stacks: stacks.map((stack) => stack.stackName),
    findings: [
      ...stacks.flatMap((stack) => validator.validate(stack)),
      ...checkCrossStackImports(stacks),
      ...iam.findings,
      ...checkSecurityRules(stacks),
      ...checkStagePolicies(stacks),
      ...checkAlarms(stacks),
    ],
    excused: iam.excused,
  };
}

/** The exceptions that applied, one line each with its reason and how many grants it covered. */
export function formatExceptions(excused: StackValidation['excused']): string {
  const byName = new Map<string, { exception: IamException; count: number; stacks: Set<string> }>();
  for (const { exception, finding } of excused) {
    const entry = byName.get(exception.name) ?? { exception, count: 0, stacks: new Set<string>() };
    entry.count += 1;
    entry.stacks.add(finding.stack);
    byName.set(exception.name, entry);
  }
  return [...byName.values()]
    .map(
      ({ exception, count, stacks }) =>
        `  accepted ${exception.name} (${exception.rule}, ${count} grant(s) of ${exception.resources.join(', ')} in ${[...stacks].join(', ')}): ${exception.reason}`,
    )
    .join('\n');
}
