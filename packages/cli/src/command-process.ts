/** Runs a command's `main` and makes its answer the process exit code; an unexpected error prints its stack and exits 1. */
export function runCommand(main: (argv: readonly string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

/** Runs `action` the first time it is called; later calls get the same promise (stop on Ctrl-C, on error and at the end). */
export function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= action());
}
