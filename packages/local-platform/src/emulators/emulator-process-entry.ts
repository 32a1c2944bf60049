// Runs one emulator in its own process (started by emulator-components.ts): kinesalite and dynalite read the region
// and account for their ARNs from this process's environment, and a busy emulator does not slow the gateway down.
import { emulatorListeningLine, listenEmulator, type EmulatorServerSpec } from './emulator-servers';

async function runEmulator(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as EmulatorServerSpec;
  const emulator = await listenEmulator(spec);
  console.log(emulatorListeningLine(emulator.port));
  const close = () => {
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`${spec.emulator} did not close cleanly:`, error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

runEmulator().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
