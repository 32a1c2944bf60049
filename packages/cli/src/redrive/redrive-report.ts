import type { ReasonCount, RedriveSummary } from './redrive-failed-records';

const EXAMPLES = 5;

/** The summary as a user reads it: what went back on the stream and why it had been given up on, what stays and why. */
export function formatRedriveSummary(summary: RedriveSummary): string {
  const verb = summary.dryRun ? 'would redrive' : 'redriven';
  const lines = [
    `Failed records in s3://${summary.bucket} (${summary.platform})${summary.dryRun ? ', dry run: nothing changed' : ''}`,
    '',
    `${verb}: ${total(summary.redriven)} records`,
    ...byReason(summary.redriven, (entry) => `${entry.records} records from ${entry.objects} objects`),
    `still invalid, left in the bucket: ${total(summary.stillInvalid)} records`,
    ...byReason(summary.stillInvalid, (entry) => `${entry.records} records`),
  ];
  if (summary.notRedriven.length > 0) {
    lines.push(`not redriven, left in the bucket: ${summary.notRedriven.length} objects`);
    for (const { key, reason } of summary.notRedriven.slice(0, EXAMPLES)) lines.push(`  ${key}: ${reason}`);
    if (summary.notRedriven.length > EXAMPLES) lines.push(`  ... and ${summary.notRedriven.length - EXAMPLES} more`);
  }
  if (summary.unknown.length > 0)
    lines.push(
      `left as they are, of no kind redrive knows: ${summary.unknown.length} objects (${summary.unknown.slice(0, EXAMPLES).join(', ')})`,
    );
  return lines.join('\n');
}

function byReason(counts: readonly ReasonCount[], describe: (entry: ReasonCount) => string): string[] {
  return [...counts]
    .sort((a, b) => b.records - a.records || a.reason.localeCompare(b.reason))
    .map((entry) => `  ${describe(entry)}: ${entry.reason}`);
}

function total(counts: readonly ReasonCount[]): number {
  return counts.reduce((sum, entry) => sum + entry.records, 0);
}
