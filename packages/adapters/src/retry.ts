import { setTimeout as sleep } from 'node:timers/promises';

// Our own code rather than p-retry: p-retry repeats a whole call, while the batch APIs (PutRecords, PutRecordBatch,
// BatchWriteItem, BatchGetItem) must resend only the entries a successful call refused.

/** How a failing call is repeated: waits grow from baseDelayMs, doubling each retry, up to maxDelayMs. */
export interface RetryPolicy {
  /** Calls in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type BackoffDelays = Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>;

/** The wait before retry number `retry` (1 = the first retry): min(maxDelayMs, baseDelayMs x 2^(retry - 1)). */
export function exponentialDelayMs({ baseDelayMs, maxDelayMs }: BackoffDelays, retry: number): number {
  // The exponent is capped so that a loop retrying for ever never computes 0 x Infinity.
  return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(retry - 1, 52));
}

/** Full jitter: uniform between 0 and the exponential delay, so that callers throttled together do not retry together. */
export function fullJitterDelayMs(delays: BackoffDelays, retry: number, random: () => number = Math.random): number {
  return Math.floor(random() * exponentialDelayMs(delays, retry));
}

/** The successive waits of one retrying loop, without jitter: baseDelayMs, then doubled each time up to maxDelayMs. */
export class ExponentialBackoff {
  private retries = 0;

  constructor(private readonly delays: BackoffDelays) {}

  /** The wait before the next retry. */
  next(): number {
    this.retries += 1;
    return exponentialDelayMs(this.delays, this.retries);
  }

  /** After a success: the next failure waits baseDelayMs again. */
  reset(): void {
    this.retries = 0;
  }
}

export interface FailedEntries<T> {
  /** The entries the last call refused, or every entry of a call that threw. */
  failed: T[];
  calls: number;
  /** What the last call threw, if it threw: not repeated here, since the SDK has already retried throttling and 5xx. */
  error?: unknown;
}

/**
 * Sends `entries` with `send`, then again only those the call refused, at most `policy.maxAttempts` calls with full
 * jitter between them. `send` resolves with the entries it refused (none: all accepted).
 */
export async function sendRetryingFailedEntries<T>(
  entries: readonly T[],
  policy: RetryPolicy,
  send: (pending: T[]) => Promise<readonly T[]>,
  random: () => number = Math.random,
): Promise<FailedEntries<T>> {
  let pending = [...entries];
  for (let calls = 1; ; calls++) {
    let refused: readonly T[];
    try {
      refused = await send(pending);
    } catch (error) {
      return { failed: pending, calls, error };
    }
    if (refused.length === 0 || calls >= policy.maxAttempts) return { failed: [...refused], calls };
    await sleep(fullJitterDelayMs(policy, calls, random));
    pending = [...refused];
  }
}

/**
 * A throttled call, a server fault or no answer at all (network): what was sent may go through later. Anything else
 * (no such stream, access denied, invalid request) is a fault of the deployment, to be thrown.
 */
export function isOutage(error: unknown, throttlingErrorNames: ReadonlySet<string>): boolean {
  const { name, $fault, $metadata } = error as {
    name?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (name !== undefined && throttlingErrorNames.has(name)) return true;
  if ($fault === 'server') return true;
  return $metadata?.httpStatusCode === undefined && $fault === undefined;
}
