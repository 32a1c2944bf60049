import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the parent tells an emulator child process (as JSON in its first argument). */
export interface EmulatorServerSpec {
  emulator: EmulatorName;
  host: string;
  /** 0: let the OS pick; the child reports the port it got. */
  port: number;
  /** Where the emulator keeps its state across restarts. */
  directory: string;
}

export type EmulatorName = 'kinesalite' | 'dynalite' | 's3rver';

/** The line an emulator child prints once it listens, and how the parent recognises it. */
export const emulatorListeningLine = (port: number): string => `emulator-listening ${port}`;
export const EMULATOR_LISTENING_LINE = /^emulator-listening (\d+)$/;

export interface ListeningEmulator {
  port: number;
  close(): Promise<void>;
}

// Streams and tables become ACTIVE after these delays: AWS takes seconds, the emulators' default is 500 ms.
const STATE_CHANGE_MS = 10;
// kinesalite refuses more open shards than this across streams (AWS's default account limit is much higher).
const KINESALITE_SHARD_LIMIT = 100;

/** Starts one emulator in this process (the child), backed by `spec.directory`. */
export async function listenEmulator(spec: EmulatorServerSpec): Promise<ListeningEmulator> {
  switch (spec.emulator) {
    case 'kinesalite': {
      const { default: kinesalite } = await import('kinesalite');
      const server = kinesalite({
        path: spec.directory,
        createStreamMs: STATE_CHANGE_MS,
        deleteStreamMs: STATE_CHANGE_MS,
        updateStreamMs: STATE_CHANGE_MS,
        shardLimit: KINESALITE_SHARD_LIMIT,
      });
      return listenHttpServer(server, spec);
    }
    case 'dynalite': {
      const { default: dynalite } = await import('dynalite');
      const server = dynalite({
        path: spec.directory,
        createTableMs: STATE_CHANGE_MS,
        deleteTableMs: STATE_CHANGE_MS,
        updateTableMs: STATE_CHANGE_MS,
      });
      return listenHttpServer(server, spec);
    }
    case 's3rver': {
      const { default: S3rver } = await import('s3rver');
      // Path-style only: virtual-host buckets would need DNS for <bucket>.127.0.0.1.
      const s3rver = new S3rver({
        address: spec.host,
        port: spec.port,
        directory: spec.directory,
        silent: true,
        vhostBuckets: false,
      });
      const { port } = await s3rver.run();
      return { port, close: () => s3rver.close() };
    }
  }
}

function listenHttpServer(server: Server, { host, port }: EmulatorServerSpec): Promise<ListeningEmulator> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: listeningPort } = server.address() as AddressInfo;
      resolve({
        port: listeningPort,
        // Both emulators close their LevelDB store inside server.close().
        close: () => new Promise<void>((closed, failed) => server.close((error) => (error ? failed(error) : closed()))),
      });
    });
  });
}
