/** Row problems grouped by reason, so 10,000 rows with the same fault read as one line, with example rows. */
export interface RowProblemGroup {
  field: string;
  reason: string;
  rows: number;
  exampleRows: number[];
}

const EXAMPLES_PER_GROUP = 5;

export class RowProblemGroups {
  private readonly groups = new Map<string, RowProblemGroup & { lastRow: number }>();

  add(row: number, field: string, message: string): void {
    // Messages quote the offending value ('abc' is not ...): group by the reason, not by the value.
    const reason = message.replace(/'[^']*'/g, "'…'");
    const key = `${field}\u0000${reason}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { field, reason, rows: 0, exampleRows: [], lastRow: -1 };
      this.groups.set(key, group);
    }
    // One row can break the same rule twice (an API may report both); count it once per group.
    if (group.lastRow === row) return;
    group.lastRow = row;
    group.rows++;
    if (group.exampleRows.length < EXAMPLES_PER_GROUP) group.exampleRows.push(row);
  }

  list(): RowProblemGroup[] {
    return [...this.groups.values()]
      .map(({ field, reason, rows, exampleRows }) => ({ field, reason, rows, exampleRows }))
      .sort((a, b) => b.rows - a.rows);
  }
}

export function formatRowProblemGroups(groups: readonly RowProblemGroup[], indent = '  '): string[] {
  return groups.map(
    (g) =>
      `${indent}${g.rows.toLocaleString('en-GB')} x ${g.field || '(row)'}: ${g.reason} (e.g. file ${g.exampleRows.length === 1 ? 'row' : 'rows'} ${g.exampleRows.join(', ')})`,
  );
}
