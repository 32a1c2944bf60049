import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds used so far by each named process of the platform, and by this one (Linux: read from /proc). */
export type CpuSeconds = Map<string, number>;

// /proc reports CPU time in USER_HZ ticks, 100 per second on every Linux the platform runs on.
const TICKS_PER_SECOND = 100;
export const THIS_PROCESS = 'this process (loader, gateway, event-source mappings, Firehose, polling)';

export function readCpuSeconds(processes: Readonly<Record<string, number>>): CpuSeconds {
  const seconds: CpuSeconds = new Map();
  const table = readProcessTable();
  for (const [name, pid] of Object.entries(processes)) {
    const used = processTreeCpuSeconds(pid, table);
    if (used !== undefined) seconds.set(name, used);
  }
  const own = process.cpuUsage();
  seconds.set(THIS_PROCESS, (own.user + own.system) / 1e6);
  return seconds;
}

/** What each process used between two readings, most first. */
export function cpuSecondsBetween(before: CpuSeconds, after: CpuSeconds): { name: string; seconds: number }[] {
  return [...after]
    .filter(([name]) => before.has(name))
    .map(([name, seconds]) => ({ name, seconds: seconds - before.get(name)! }))
    .sort((a, b) => b.seconds - a.seconds);
}

interface ProcessStat {
  parentPid: number;
  /** utime + stime of the process and its threads, plus cutime + cstime (its children that have exited). */
  cpuSeconds: number;
}

/** Every process's parent and CPU time, from /proc (empty when not on Linux). */
function readProcessTable(): Map<number, ProcessStat> {
  const table = new Map<number, ProcessStat>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return table;
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces: count fields from its closing parenthesis (field 3 on); ppid is field 4,
      // utime, stime, cutime and cstime are 14 to 17.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
      table.set(Number(entry), { parentPid: Number(fields[1]), cpuSeconds: ticks / TICKS_PER_SECOND });
    } catch {
      // The process ended while the table was read.
    }
  }
  return table;
}

/**
 * User + system time of a process and all its descendants: the warehouse's PostgreSQL works in backends that are
 * its children (Lambda workers, by contrast, run as threads of serverless-offline and are counted with it).
 */
function processTreeCpuSeconds(pid: number, table: ReadonlyMap<number, ProcessStat>): number | undefined {
  const root = table.get(pid);
  if (root === undefined) return undefined;
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const current = pending.pop()!;
    total += table.get(current)?.cpuSeconds ?? 0;
    for (const [child, stat] of table) if (stat.parentPid === current) pending.push(child);
  }
  return total;
}
