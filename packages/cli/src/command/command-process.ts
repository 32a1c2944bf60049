/**
 * The one exit-code rule of every command (load, reconcile, postman, deploy, the benchmarks): runs its `main` and
 * makes its answer the process exit code (0 done, 1 checks failed, 2 usage). An error `isUserError` accepts (bad
 * input or configuration) prints its message alone and exits 2; any other prints its stack and exits 1.
 */
export function runCommand(
  main: (argv: readonly string[]) => Promise<number>,
  isUserError: (error: unknown) => boolean = () => false,
): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const userError = isUserError(error);
      console.error(userError ? `error: ${(error as Error).message}` : error);
      process.exitCode = userError ? 2 : 1;
    },
  );
}

/** Runs `action` the first time it is called; later calls get the same promise (stop on Ctrl-C, on error and at the end). */
export function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= action());
}
