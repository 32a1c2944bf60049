import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InvoiceLineEvent } from '@retail/domain';
import { startLocalPlatform, type LocalPlatform } from '@retail/local-platform';
import { eventually } from '@retail/test-support';
import { runCli } from './run-cli';
import { SAMPLE_FILE, sampleLines } from './sample-lines';
import { readFactLineIds } from './warehouse-contents';

export interface PlatformWithSample {
  platform: LocalPlatform;
  /** The sample's lines, computed from the file with the domain alone. */
  lines: InvoiceLineEvent[];
  stateDir: string;
  /** Stops the platform and removes its state directory. */
  stop(): Promise<void>;
}

/**
 * The whole platform as `npm start` runs it, on free ports and a state directory of its own, with the sample sent
 * through the ingest API by `npm run load` and merged into the warehouse (stream, delivery stream, COPY, merge).
 */
export async function startPlatformWithSample(name: string): Promise<PlatformWithSample> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), `retail-${name}-e2e-`));
  const [platform, lines] = await Promise.all([
    startLocalPlatform({ stateDir, fresh: true, quiet: true, firehoseBufferIntervalSeconds: 2 }),
    sampleLines(),
  ]);
  const stop = async () => {
    await platform.stop();
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    const { apiUrl, apiKey } = platform.stack;
    const loaded = await runCli('packages/cli/src/load/load.ts', [
      SAMPLE_FILE,
      '--api-url',
      apiUrl,
      '--api-key',
      apiKey,
    ]);
    if (loaded.code !== 0) throw new Error(`npm run load exited ${loaded.code}: ${loaded.stderr}`);
    await eventually(async () => expect(await readFactLineIds(platform.stack)).toHaveLength(lines.length), {
      timeoutMs: 180_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { platform, lines, stateDir, stop };
}
