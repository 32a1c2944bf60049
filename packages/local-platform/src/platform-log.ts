/** Where the platform reports progress; quiet (tests) keeps only warnings. */
export interface PlatformLog {
  info(message: string): void;
  warn(message: string): void;
  /** A line a service printed (requests, handler logs). */
  serviceOutput(service: string, line: string): void;
}

export function createPlatformLog(quiet: boolean): PlatformLog {
  return {
    info: (message) => {
      if (!quiet) console.log(message);
    },
    warn: (message) => console.warn(`warning: ${message}`),
    serviceOutput: (service, line) => {
      if (!quiet) console.log(`[${service}] ${line}`);
    },
  };
}
