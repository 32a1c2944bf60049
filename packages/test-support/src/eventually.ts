export interface EventuallyOptions {
  /** How long `attempt` may keep failing before its last error is thrown (default 5 s). */
  timeoutMs?: number;
  /** The pause between two attempts (default 25 ms). */
  intervalMs?: number;
}

/**
 * Calls `attempt` until it returns without throwing and gives back what it returned; after `timeoutMs` the last
 * error is thrown, prefixed by how long it was tried. For tests that wait on something asynchronous to happen.
 */
export async function eventually<T>(
  attempt: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 25 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) {
        if (error instanceof Error) error.message = `still failing after ${timeoutMs} ms: ${error.message}`;
        throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
