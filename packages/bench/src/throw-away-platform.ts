import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FREE_PORTS, startLocalPlatform, type LocalPlatform, type LocalPlatformOptions } from '@retail/local-platform';
import { once } from '@retail/cli';

export interface ThrowAwayPlatformOptions {
  /** The temporary state directory's name starts with this, e.g. retail-bench-. */
  stateDirPrefix: string;
  /** What startLocalPlatform takes besides the state directory, the ports and the signal (fresh, on free ports). */
  platform: Pick<LocalPlatformOptions, 'quiet' | 'serviceDirs'>;
  /** What the platform's start-up is, e.g. "with every service". */
  describe: string;
  log: (line: string) => void;
}

/**
 * Runs `run` against a fresh local platform on free ports in a temporary state directory, and then stops the
 * platform and deletes the directory, also on Ctrl-C (exit 130) and on an error nobody catches (exit 1).
 */
export async function withThrowAwayPlatform(
  options: ThrowAwayPlatformOptions,
  run: (platform: LocalPlatform, startSeconds: number) => Promise<number>,
): Promise<number> {
  const { log } = options;
  const stateDir = await mkdtemp(join(tmpdir(), options.stateDirPrefix));
  log(`starting a local platform ${options.describe} in ${stateDir}`);
  const startedAt = performance.now();
  const abort = new AbortController();
  let platform: LocalPlatform | undefined;
  const stopPlatform = once(async () => {
    await platform?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the platform`);
    abort.abort();
    void stopPlatform().finally(() => process.exit(130));
  };
  // A stream error nobody listens to would end the process without the finally below: stop the platform first.
  const onCrash = (error: unknown) => {
    console.error(error);
    void stopPlatform().finally(() => process.exit(1));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('uncaughtException', onCrash);
  try {
    platform = await startLocalPlatform({
      ...options.platform,
      stateDir,
      fresh: true,
      ports: FREE_PORTS,
      signal: abort.signal,
    });
    return await run(platform, (performance.now() - startedAt) / 1000);
  } finally {
    await stopPlatform();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('uncaughtException', onCrash);
  }
}
