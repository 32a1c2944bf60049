import path from 'node:path';
import { createKinesisClient } from '@retail/adapters';
import { Pool } from 'pg';
import { LOCAL_CREDENTIALS } from '../platform-settings';
import { KinesisRedshiftDeliveryStream, type KinesisSourcedTiming } from './kinesis-redshift-delivery-stream';
import type { Buffering, ObjectStore } from './local-delivery-stream';
import type { ObjectReader } from './redshift-copy';
import { parseRedshiftDestination } from './redshift-destination';

export interface KinesisSourcedDeliveryStreamConfig {
  name: string;
  arn: string;
  /** The resolved KinesisStreamSourceConfiguration. */
  source: unknown;
  /** The resolved RedshiftDestinationConfiguration. */
  destination: unknown;
}

export interface KinesisSourcedOptions {
  deliveryStreams: readonly KinesisSourcedDeliveryStreamConfig[];
  /** kinesalite's endpoint. */
  kinesisEndpoint: string;
  /** The local warehouse (postgres://...), standing in for every stream's ClusterJDBCURL. */
  warehouseUrl: string;
  /**
   * Runs before any stream reads, retried until it succeeds or 60 s pass: what the deploy does on AWS and the
   * platform does locally (the jsonpaths file in the staging bucket, which is created in the same start-up phase).
   */
  prepare?: () => Promise<void>;
  timing?: Partial<KinesisSourcedTiming>;
}

export interface KinesisSourcedDeliveryStreams {
  streams: ReadonlyMap<string, KinesisRedshiftDeliveryStream>;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_TIMING: KinesisSourcedTiming = { pollIntervalMs: 1000, retryTimeScale: 1 };
// The source stream and the staging bucket are created in the Firehose's own start-up phase: wait that long for them.
const PREPARE_TIMEOUT_MS = 60_000;

/** Starts the Kinesis-sourced Redshift delivery streams, refusing at once any definition they cannot honour. */
export async function startKinesisSourcedStreams(
  options: KinesisSourcedOptions,
  shared: {
    region: string;
    stateDir: string;
    store: ObjectStore & ObjectReader;
    bufferingOverride?: Partial<Buffering>;
    log: (message: string) => void;
  },
): Promise<KinesisSourcedDeliveryStreams> {
  // Parsed before anything starts: a refused option stops the start with nothing left running.
  const definitions = await Promise.all(
    options.deliveryStreams.map(async (config) => ({
      config,
      definition: await parseRedshiftDestination(config.source, config.destination, `Delivery stream ${config.name}`),
    })),
  );
  const kinesis = createKinesisClient({
    region: shared.region,
    credentials: LOCAL_CREDENTIALS,
    endpoints: { kinesis: options.kinesisEndpoint },
  });
  const warehouse = new Pool({ connectionString: options.warehouseUrl, max: 2 });
  // An idle connection the server dropped (a warehouse restart) must not crash the platform: the next COPY reconnects.
  warehouse.on('error', (error) => shared.log(`firehose: the warehouse connection dropped (${error.message})`));
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const streams = new Map<string, KinesisRedshiftDeliveryStream>();
  const close = async () => {
    await Promise.allSettled([...streams.values()].map((stream) => stream.stop()));
    kinesis.destroy();
    await warehouse.end();
  };
  try {
    if (options.prepare)
      await retryFor(PREPARE_TIMEOUT_MS, 'preparing the Kinesis-sourced delivery streams', options.prepare);
    for (const { config, definition } of definitions) {
      const declared: Buffering = {
        sizeInBytes: definition.staging.bufferingHints.sizeInMBs * 1024 * 1024,
        intervalInMilliseconds: definition.staging.bufferingHints.intervalInSeconds * 1000,
      };
      streams.set(
        config.name,
        await KinesisRedshiftDeliveryStream.start({
          name: config.name,
          arn: config.arn,
          definition,
          buffering: { ...declared, ...shared.bufferingOverride },
          timing,
          kinesis,
          store: shared.store,
          warehouse,
          positionFile: path.join(shared.stateDir, `${config.name}.kinesis-source.json`),
          log: shared.log,
        }),
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    streams,
    flush: async () => {
      await Promise.all([...streams.values()].map((stream) => stream.flush()));
    },
    stop: () => (stopped ??= close()),
  };
}

async function retryFor(timeoutMs: number, what: string, operation: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${what} failed for ${timeoutMs / 1000} s: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
