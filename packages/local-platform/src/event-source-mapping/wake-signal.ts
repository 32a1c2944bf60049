/**
 * Lets loops sleep until something happens: `wait` resolves on the next `wake()`, after `timeoutMs`, or when
 * `abortSignal` aborts (it never rejects, so callers check their own stop flag).
 */
export class WakeSignal {
  private waiters = new Set<() => void>();

  wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve();
  }

  wait(timeoutMs: number | undefined, abortSignal: AbortSignal): Promise<void> {
    if (abortSignal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        abortSignal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, Math.max(0, timeoutMs));
      abortSignal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }
}

/** Sleeps `ms` unless `abortSignal` aborts first. */
export function abortableDelay(ms: number, abortSignal: AbortSignal): Promise<void> {
  return new WakeSignal().wait(ms, abortSignal);
}
