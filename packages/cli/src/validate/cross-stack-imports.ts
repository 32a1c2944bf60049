import type { PackagedStack } from '../deploy/package-stacks';
import type { TemplateFinding } from './template-findings';
import { importedNames, valueText } from './template-values';

/** Every Fn::ImportValue of every stack names an export of the platform stack (deploy order: platform first). */
export function checkCrossStackImports(stacks: readonly PackagedStack[]): TemplateFinding[] {
  const platform = stacks.find((stack) => stack.isPlatformStack);
  const exported = new Set(
    Object.values(platform?.template.Outputs ?? {}).flatMap((output) =>
      output.Export ? [valueText(output.Export.Name)] : [],
    ),
  );
  const findings: TemplateFinding[] = [];
  for (const stack of stacks) {
    const sections = { ...stack.template.Resources, ...stack.template.Outputs };
    for (const [logicalId, definition] of Object.entries(sections)) {
      for (const name of importedNames(definition)) {
        const text = valueText(name);
        if (typeof name !== 'string')
          findings.push({
            stack: stack.stackName,
            resource: logicalId,
            rule: 'cross-stack/import-name',
            message: `imports a computed name (${text}): import a literal export name of ${platform?.stackName ?? 'the platform stack'}`,
          });
        else if (!exported.has(name))
          findings.push({
            stack: stack.stackName,
            resource: logicalId,
            rule: 'cross-stack/unknown-export',
            message: `imports '${name}', which ${platform?.stackName ?? 'the platform stack'} does not export: add the Output with that Export name (resources/*.yml) or fix the name (resources/platform-exports.yml)`,
          });
      }
    }
  }
  return findings;
}
