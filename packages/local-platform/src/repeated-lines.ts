/**
 * What the terminal shows of a storm of errors: the first of a kind in full, then one line per window with how many
 * more came (`stream-to-dynamo: 1,043 x "Invoice not saved ... ECONNREFUSED 127.0.0.1:4568 (dynalite)" in 10 s`).
 * Lines of one kind differ only in numbers and ids (invoices, sequence numbers, request ids, delays). The log file
 * gets every line; this only decides what is printed.
 */
export interface RepeatedLinesOptions {
  /** Prints a line on the terminal. */
  print(line: string): void;
  /** How long repeats are counted before their count is printed (default 10 s). */
  windowMs?: number;
  /** Kinds tracked at once; a line of a new kind beyond this is printed as is (memory stays bounded). */
  maxKinds?: number;
  now?: () => number;
}

interface Kind {
  /** What the count line quotes: the first line of the kind, shortened. */
  quote: string;
  /** `<source>: ` or `warning: ` before the count. */
  prefix: string;
  count: number;
  since: number;
}

export const REPEAT_WINDOW_MS = 10_000;
const MAX_KINDS = 500;
const QUOTE_CHARS = 160;
// Powertools' levels that are worth counting rather than printing one by one.
const ERROR_LEVELS = new Set(['WARN', 'ERROR', 'CRITICAL']);
// serverless-offline marks what a handler threw with this sign; the stack follows on indented lines.
const OFFLINE_ERROR_MARK = '\u00d7 ';

export class RepeatedLines {
  private readonly kinds = new Map<string, Kind>();
  private readonly windowMs: number;
  private readonly maxKinds: number;
  private readonly now: () => number;
  private readonly addressNames = new Map<string, string>();
  // Per source: the indented lines after a line that was counted, not printed, are its stack: hidden with it.
  private readonly hidingContinuation = new Set<string>();

  constructor(private readonly options: RepeatedLinesOptions) {
    this.windowMs = options.windowMs ?? REPEAT_WINDOW_MS;
    this.maxKinds = options.maxKinds ?? MAX_KINDS;
    this.now = options.now ?? Date.now;
  }

  /** Count lines show `127.0.0.1:4568 (dynalite)`: which component a refused connection was for. */
  nameAddress(address: string, name: string): void {
    this.addressNames.set(address, name);
  }

  /** A line a service printed: printed unless it repeats an error of the current window. */
  serviceLine(source: string, line: string, printed: string): void {
    if (this.hidingContinuation.has(source)) {
      if (/^\s+\S/.test(line)) return;
      this.hidingContinuation.delete(source);
    }
    const error = errorOf(line);
    if (error === undefined) {
      this.options.print(printed);
      return;
    }
    if (!this.offer(`${source}\n${error.kind}`, error.quote, `${source}: `, printed))
      this.hidingContinuation.add(source);
  }

  /** A warning of the platform itself (its first line decides the kind). */
  warning(message: string, printed: string): void {
    const firstLine = message.split('\n', 1)[0] ?? '';
    this.offer(`\n${kindOf(firstLine)}`, firstLine, 'warning: ', printed);
  }

  /** Prints the counts of the window that ended and forgets kinds that did not come again in it. */
  flush(force = false): void {
    const now = this.now();
    for (const [key, kind] of this.kinds) {
      if (!force && now - kind.since < this.windowMs) continue;
      if (kind.count === 0) {
        this.kinds.delete(key);
        continue;
      }
      const seconds = Math.max(1, Math.round((now - kind.since) / 1000));
      this.options.print(
        `${kind.prefix}${kind.count.toLocaleString('en-US')} x "${this.shorten(kind.quote)}" in ${seconds} s`,
      );
      kind.count = 0;
      kind.since = now;
      if (force) this.kinds.delete(key);
    }
  }

  /** True when the line was printed, false when it was counted. */
  private offer(key: string, quote: string, prefix: string, printed: string): boolean {
    const kind = this.kinds.get(key);
    if (kind !== undefined) {
      kind.count += 1;
      return false;
    }
    if (this.kinds.size < this.maxKinds) this.kinds.set(key, { quote, prefix, count: 0, since: this.now() });
    this.options.print(printed);
    return true;
  }

  private shorten(quote: string): string {
    const named = quote.replace(/\b127\.0\.0\.1:(\d+)\b/g, (address) => {
      const name = this.addressNames.get(address);
      return name === undefined ? address : `${address} (${name})`;
    });
    if (named.length <= QUOTE_CHARS) return named;
    const half = Math.floor((QUOTE_CHARS - 5) / 2);
    return `${named.slice(0, half)} ... ${named.slice(-half)}`;
  }
}

/** An error or warning line of a service (Powertools JSON or serverless-offline's), with what tells its kind. */
function errorOf(line: string): { kind: string; quote: string } | undefined {
  if (line.startsWith(OFFLINE_ERROR_MARK)) return { kind: kindOf(line), quote: line.slice(OFFLINE_ERROR_MARK.length) };
  if (!line.startsWith('{')) return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { level, message, error, reason } = entry as {
    level?: unknown;
    message?: unknown;
    error?: unknown;
    reason?: unknown;
  };
  if (typeof level !== 'string' || !ERROR_LEVELS.has(level.toUpperCase())) return undefined;
  // Powertools puts an Error's message in error.message; our consumers say why in `reason`.
  const cause = [(error as { message?: unknown } | null)?.message, error, reason].find(
    (candidate): candidate is string => typeof candidate === 'string',
  );
  const text = `${String(message)}${cause !== undefined && !String(message).includes(cause) ? ` ... ${cause}` : ''}`;
  return { kind: `${level.toUpperCase()} ${kindOf(text)}`, quote: text };
}

/** Lines that differ only in numbers and ids are one kind. */
export function kindOf(line: string): string {
  return line.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>').replace(/\d+/g, '#');
}
