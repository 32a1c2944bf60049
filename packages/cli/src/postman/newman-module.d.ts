// newman ships no type declarations: these cover the part of its programmatic API the runner uses.

declare module 'newman' {
  import type { EventEmitter } from 'node:events';

  interface NewmanRunOptions {
    collection: string | object;
    environment?: string | object;
    reporters?: string | string[];
    reporter?: Record<string, unknown>;
    /** Milliseconds a request may take. */
    timeoutRequest?: number;
  }

  interface NewmanRunFailure {
    error: { name: string; message: string; test?: string };
    source?: { name?: string };
  }

  interface NewmanRunStats {
    total: number;
    failed: number;
  }

  interface NewmanRunSummary {
    run: {
      stats: {
        requests: NewmanRunStats;
        assertions: NewmanRunStats;
        testScripts: NewmanRunStats;
        prerequestScripts: NewmanRunStats;
      };
      failures: NewmanRunFailure[];
      timings: { responseAverage: number; completed: number; started: number };
    };
  }

  function run(
    options: NewmanRunOptions,
    callback: (error: Error | null, summary: NewmanRunSummary) => void,
  ): EventEmitter;
}
