import path from 'node:path';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
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
  /** The merge run after each COPY (resources/warehouse/merge-landing.sql); undefined: none. */
  mergeSql?: string;
  timing?: Partial<KinesisSourcedTiming>;
}

export interface KinesisSourcedDeliveryStreams {
  streams: ReadonlyMap<string, KinesisRedshiftDeliveryStream>;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_TIMING: KinesisSourcedTiming = { pollIntervalMs: 1000, retryTimeScale: 1 };

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
  const definitions = options.deliveryStreams.map((config) => ({
    config,
    definition: parseRedshiftDestination(config.source, config.destination, `Delivery stream ${config.name}`),
  }));
  // HTTP/1.1 for Kinesis: kinesalite rejects the SDK's default HTTP/2.
  const kinesis = new KinesisClient({
    region: shared.region,
    endpoint: options.kinesisEndpoint,
    credentials: { ...LOCAL_CREDENTIALS },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 3,
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
          mergeSql: options.mergeSql,
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
