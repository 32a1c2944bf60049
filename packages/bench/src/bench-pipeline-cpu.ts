import { readFileSync } from 'node:fs';

/** CPU seconds used so far by each named process of the platform, and by this one (Linux: read from /proc). */
export type CpuSeconds = Map<string, number>;

// /proc reports CPU time in USER_HZ ticks, 100 per second on every Linux the platform runs on.
const TICKS_PER_SECOND = 100;
export const THIS_PROCESS = 'this process (loader, gateway, event-source mappings, Firehose, polling)';

export function readCpuSeconds(processes: Readonly<Record<string, number>>): CpuSeconds {
  const seconds: CpuSeconds = new Map();
  for (const [name, pid] of Object.entries(processes)) {
    const used = processCpuSeconds(pid);
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

/** User + system time of one process and its threads (Lambda workers run as threads of serverless-offline). */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: count fields from its closing parenthesis (field 3 on); utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    // Not Linux, or the process is gone.
    return undefined;
  }
}
