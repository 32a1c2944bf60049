/** One thing wrong with a packaged template: where, which rule, what to do. */
export interface TemplateFinding {
  stack: string;
  resource: string;
  rule: string;
  message: string;
}

/** The report `npm run validate` prints: one line per finding, grouped by stack, then a count. */
export function formatFindings(findings: readonly TemplateFinding[], stacksChecked: readonly string[]): string {
  if (findings.length === 0) return `${stacksChecked.length} stacks checked (${stacksChecked.join(', ')}): no findings`;
  const lines: string[] = [];
  for (const stack of [...new Set(findings.map((finding) => finding.stack))]) {
    lines.push(`${stack}:`);
    for (const finding of findings.filter((f) => f.stack === stack))
      lines.push(`  ${finding.resource}  [${finding.rule}]  ${finding.message}`);
  }
  lines.push(`${findings.length} finding(s) in ${stacksChecked.length} stacks checked`);
  return lines.join('\n');
}
