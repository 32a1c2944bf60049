import { Agent } from 'node:http';
import { DescribeStreamSummaryCommand, KinesisClient, ListShardsCommand, type Shard } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createKinesisClient, createS3Client } from '@retail/adapters';
import { LOCAL_CREDENTIALS } from '../platform-settings';
import { CheckpointFile, type MappingCheckpoints } from './checkpoint-file';
import {
  completeKinesisEventSourceMapping,
  type KinesisEventSourceMapping,
  type KinesisEventSourceMappingInput,
} from './kinesis-event-source-mapping';
import type { OnFailureDestinationClients } from './on-failure-destination';
import {
  ShardConsumer,
  retryBackoff,
  zeroShardCounts,
  type EventSourceMappingLog,
  type EventSourceMappingTiming,
  type ShardCounts,
  type ShardStart,
  type ShardStats,
} from './shard-consumer';
import { WakeSignal, abortableDelay } from './wake-signal';

export interface StartKinesisEventSourceMappingsOptions {
  kinesisEndpoint: string;
  /** Needed when a mapping's on-failure destination is an S3 bucket. */
  s3Endpoint?: string;
  region: string;
  /** Checkpoints live in `<stateDir>/kinesis-event-source-mappings/`; SQS/SNS invocation records in `on-failure-destinations/`. */
  stateDir: string;
  mappings: KinesisEventSourceMappingInput[];
  log?: EventSourceMappingLog;
  timing?: Partial<EventSourceMappingTiming>;
  /** How long stop() lets invocations in flight finish; after that they are abandoned and re-delivered on the next start. */
  stopTimeoutMs?: number;
}

export interface RunningKinesisEventSourceMappings {
  /** Stops reading at once, lets invocations in flight finish (up to stopTimeoutMs) and commits what they processed. */
  stop(): Promise<void>;
  /** Resolves once every shard of every enabled mapping has been read to its end and nothing is in flight or waiting for a retry. */
  idle(): Promise<void>;
  stats(): KinesisEventSourceMappingStats;
}

export interface KinesisEventSourceMappingStats {
  mappings: { uuid: string; functionName: string; streamName: string; enabled: boolean; shards: ShardStats[] }[];
  totals: ShardCounts;
}

export const DEFAULT_TIMING: EventSourceMappingTiming = {
  idlePollMs: 50,
  maxIdlePollMs: 1000,
  retryDelayMs: 200,
  maxRetryDelayMs: 5000,
};
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * Runs Lambda's Kinesis event-source mappings locally: each enabled mapping reads every shard of its stream from
 * kinesalite and invokes its function through serverless-offline's Lambda endpoint, with AWS's batching, retry,
 * bisection, partial-failure and on-failure destination rules, checkpointing under `stateDir` after every batch.
 */
export async function startKinesisEventSourceMappings(
  options: StartKinesisEventSourceMappingsOptions,
): Promise<RunningKinesisEventSourceMappings> {
  const log = options.log ?? console;
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const mappings = options.mappings.map(completeKinesisEventSourceMapping);
  assertDistinctUuids(mappings);
  const needsS3 = mappings.some(
    (mapping) => mapping.enabled && mapping.onFailureDestinationArn?.split(':')[2] === 's3',
  );
  if (needsS3 && options.s3Endpoint === undefined) {
    throw new Error(
      'A mapping sends failed batches to an S3 bucket: pass s3Endpoint to startKinesisEventSourceMappings.',
    );
  }

  const enabled = mappings.filter((mapping) => {
    const label = `kinesis ${mapping.streamName} -> ${mapping.functionName}`;
    if (!mapping.enabled) log.info(`${label}: the mapping is disabled (enabled: false); not reading.`);
    if (mapping.enabled && mapping.parallelizationFactor > 1) {
      log.warn(
        `${label}: parallelizationFactor ${mapping.parallelizationFactor} runs as 1 locally (one batch per shard in flight: an order AWS may also produce, only slower).`,
      );
    }
    return mapping.enabled;
  });
  const checkpointFiles = await openCheckpointFiles(options.stateDir, enabled);

  const stopController = new AbortController();
  const abandonController = new AbortController();
  const progress = new WakeSignal();
  const clients = createClients(options);
  const runners = checkpointFiles.map(
    ({ mapping, file, previous }) =>
      new MappingRunner({
        mapping,
        checkpoints: file,
        previous,
        kinesis: clients.kinesis,
        lambda: clients.lambda(mapping.lambdaEndpoint),
        destination: { s3: clients.s3(), stateDir: options.stateDir },
        timing,
        log,
        stopSignal: stopController.signal,
        abandonSignal: abandonController.signal,
        onProgress: () => progress.wake(),
      }),
  );
  for (const runner of runners) runner.start();

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= (async () => {
        stopController.abort();
        const abandon = setTimeout(() => abandonController.abort(), options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS);
        await Promise.all(runners.map((runner) => runner.settled()));
        clearTimeout(abandon);
        for (const runner of runners) runner.closeCheckpoints();
        clients.destroy();
        progress.wake();
      })();
      return stopping;
    },
    async idle() {
      const marks = new Map<ShardConsumer, number>();
      for (const consumer of runners.flatMap((runner) => runner.shardConsumers)) {
        marks.set(consumer, consumer.nextPollIndex);
        consumer.pollSoon();
      }
      while (!stopController.signal.aborted && !runners.every((runner) => runner.caughtUpSince(marks))) {
        await progress.wait(undefined, stopController.signal);
      }
    },
    stats() {
      const perMapping = mappings.map((mapping) => {
        const runner = runners.find((candidate) => candidate.mapping === mapping);
        const shards = runner ? runner.shardConsumers.map((consumer) => consumer.stats) : [];
        return {
          uuid: mapping.uuid,
          functionName: mapping.functionName,
          streamName: mapping.streamName,
          enabled: mapping.enabled,
          shards,
        };
      });
      return { mappings: perMapping, totals: sumShardStats(perMapping.flatMap((mapping) => mapping.shards)) };
    },
  };
}

interface MappingRunnerContext {
  mapping: KinesisEventSourceMapping;
  checkpoints: CheckpointFile;
  previous: MappingCheckpoints | undefined;
  kinesis: KinesisClient;
  lambda: LambdaClient;
  destination: OnFailureDestinationClients;
  timing: EventSourceMappingTiming;
  log: EventSourceMappingLog;
  stopSignal: AbortSignal;
  abandonSignal: AbortSignal;
  onProgress(): void;
}

/** One mapping: finds its stream's shards and runs a consumer per shard, children only once their parents are read. */
class MappingRunner {
  readonly mapping: KinesisEventSourceMapping;
  private readonly context: MappingRunnerContext;
  private readonly consumers = new Map<string, ShardConsumer>();
  private readonly running = new Set<Promise<void>>();
  private readonly endedShards = new Set<string>();
  private firstRun = false;
  private discoveries = 0;
  private discovery: Promise<void> | undefined;
  private rediscover = false;

  constructor(context: MappingRunnerContext) {
    this.context = context;
    this.mapping = context.mapping;
  }

  get shardConsumers(): ShardConsumer[] {
    return [...this.consumers.values()];
  }

  start(): void {
    this.track(this.prepare().then(() => this.discoverShards()));
  }

  /** Every known shard is caught up (or ended) since its mark, and no shard discovery is pending. */
  caughtUpSince(marks: ReadonlyMap<ShardConsumer, number>): boolean {
    if (this.discoveries === 0 || this.discovery !== undefined) return false;
    return this.shardConsumers.every((consumer) => consumer.caughtUpSince(marks.get(consumer) ?? 1));
  }

  closeCheckpoints(): void {
    try {
      this.context.checkpoints.close();
    } catch (error) {
      // The journal next to it still holds every commit: the next start replays it.
      this.context.log.warn(
        `${this.label}: could not fold the checkpoint journal into ${this.context.checkpoints.filePath}: ${(error as Error).message}`,
      );
    }
  }

  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  private get label(): string {
    return `kinesis ${this.mapping.streamName} -> ${this.mapping.functionName}`;
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      if (!this.context.stopSignal.aborted)
        this.context.log.warn(
          `${this.label}: stopped reading after an unexpected error: ${(error as Error).stack ?? String(error)}`,
        );
    });
    this.running.add(tracked);
    void tracked.then(() => this.running.delete(tracked));
  }

  /** Starts over when there are no checkpoints or they belong to an earlier stream of the same name. */
  private async prepare(): Promise<void> {
    const { checkpoints, previous, log } = this.context;
    const streamCreationTimestamp = await this.retry('DescribeStreamSummary', async (abortSignal) => {
      const output = await this.context.kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: this.mapping.streamName }),
        { abortSignal },
      );
      return output.StreamDescriptionSummary?.StreamCreationTimestamp?.toISOString() ?? '';
    });
    if (streamCreationTimestamp === undefined) return;
    if (
      previous !== undefined &&
      previous.streamArn === this.mapping.streamArn &&
      previous.streamCreationTimestamp === streamCreationTimestamp
    )
      return;
    if (previous !== undefined) {
      log.warn(
        `${this.label}: the stream was created again since the last checkpoint (${checkpoints.filePath}); starting over at ${this.mapping.startingPosition}.`,
      );
    }
    this.firstRun = true;
    checkpoints.reset({
      uuid: this.mapping.uuid,
      functionName: this.mapping.functionName,
      streamArn: this.mapping.streamArn,
      createdAt: new Date().toISOString(),
      streamCreationTimestamp,
      shards: {},
    });
  }

  private discoverShards(): Promise<void> {
    if (this.discovery) {
      this.rediscover = true;
      return this.discovery;
    }
    this.discovery = (async () => {
      do {
        this.rediscover = false;
        const shards = await this.listShards();
        if (shards === undefined) return;
        this.startReadyShards(shards);
        this.discoveries += 1;
      } while (this.rediscover && !this.context.stopSignal.aborted);
    })().finally(() => {
      this.discovery = undefined;
      this.context.onProgress();
    });
    return this.discovery;
  }

  private startReadyShards(shards: Shard[]): void {
    const listed = new Set(shards.map((shard) => shard.ShardId));
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (shardId === undefined || this.consumers.has(shardId)) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter(
        (parent): parent is string => parent !== undefined && listed.has(parent),
      );
      // AWS reads a child shard only after its parents, so records of one partition key stay in order across resharding.
      if (parents.some((parent) => !this.shardEnded(parent))) continue;
      const consumer = new ShardConsumer({
        ...this.context,
        shardId,
        start: this.shardStart(),
        onProgress: () => {
          // A closed shard read to its end may free its children.
          if (consumer.ended && !this.endedShards.has(shardId) && !this.context.stopSignal.aborted) {
            this.endedShards.add(shardId);
            this.track(this.discoverShards());
          }
          this.context.onProgress();
        },
      });
      this.consumers.set(shardId, consumer);
      this.track(consumer.run());
    }
  }

  private shardEnded(shardId: string): boolean {
    return this.consumers.get(shardId)?.ended ?? this.context.checkpoints.shard(shardId).ended === true;
  }

  private shardStart(): ShardStart {
    const { startingPosition, startingPositionTimestamp } = this.mapping;
    if (startingPosition === 'AT_TIMESTAMP')
      return { iteratorType: 'TRIM_HORIZON', skipArrivalsBeforeMs: (startingPositionTimestamp ?? 0) * 1000 };
    if (startingPosition === 'TRIM_HORIZON') return { iteratorType: 'TRIM_HORIZON' };
    // LATEST means "after the mapping was created": a restart must not skip what arrived while it was down.
    if (this.firstRun && this.discoveries === 0) return { iteratorType: 'LATEST' };
    return {
      iteratorType: 'TRIM_HORIZON',
      skipArrivalsBeforeMs: Date.parse(this.context.checkpoints.checkpoints.createdAt),
    };
  }

  private listShards(): Promise<Shard[] | undefined> {
    return this.retry('ListShards', async (abortSignal) => {
      const shards: Shard[] = [];
      let nextToken: string | undefined;
      do {
        const output = await this.context.kinesis.send(
          new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: this.mapping.streamName }),
          { abortSignal },
        );
        shards.push(...(output.Shards ?? []));
        nextToken = output.NextToken;
      } while (nextToken);
      return shards;
    });
  }

  /** Calls `call` until it succeeds (the stream may not exist yet) or the mappings stop (undefined). */
  private async retry<T>(what: string, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    const { timing, stopSignal, log } = this.context;
    const waits = retryBackoff(timing);
    while (!stopSignal.aborted) {
      try {
        return await call(stopSignal);
      } catch (error) {
        if (stopSignal.aborted) return undefined;
        const delay = waits.next();
        log.warn(
          `${this.label}: ${what} ${this.mapping.streamName} failed (${(error as Error).name}: ${(error as Error).message}); retrying in ${delay} ms.`,
        );
        await abortableDelay(delay, stopSignal);
      }
    }
    return undefined;
  }
}

function createClients(options: StartKinesisEventSourceMappingsOptions) {
  // One attempt per call: the mapping's own loops retry, with its timing.
  const settings = { region: options.region, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
  const kinesis = createKinesisClient({ ...settings, endpoints: { kinesis: options.kinesisEndpoint } });
  const lambdaClients = new Map<string, LambdaClient>();
  let s3: S3Client | undefined;
  return {
    kinesis,
    lambda(endpoint: string): LambdaClient {
      let client = lambdaClients.get(endpoint);
      if (!client) {
        // Keep-alive: one connection per function endpoint carries every invocation instead of a new socket each.
        client = new LambdaClient({
          ...settings,
          endpoint,
          requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) }),
        });
        lambdaClients.set(endpoint, client);
      }
      return client;
    },
    s3(): S3Client | undefined {
      if (options.s3Endpoint === undefined) return undefined;
      s3 ??= createS3Client({ ...settings, endpoints: { s3: options.s3Endpoint } });
      return s3;
    },
    destroy(): void {
      kinesis.destroy();
      for (const client of lambdaClients.values()) client.destroy();
      s3?.destroy();
    },
  };
}

/** Every mapping's checkpoint file, or none: a file that cannot be read stops the start with what to do. */
async function openCheckpointFiles(stateDir: string, mappings: KinesisEventSourceMapping[]) {
  const opened = await Promise.allSettled(
    mappings.map(async (mapping) => ({ mapping, ...(await CheckpointFile.open(stateDir, mapping.uuid)) })),
  );
  const files = opened.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = opened.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    for (const { file } of files) file.close();
    throw failure.reason;
  }
  return files;
}

function assertDistinctUuids(mappings: KinesisEventSourceMapping[]): void {
  const seen = new Map<string, KinesisEventSourceMapping>();
  for (const mapping of mappings) {
    const other = seen.get(mapping.uuid);
    if (other)
      throw new Error(
        `Mappings ${other.functionName} and ${mapping.functionName} on ${mapping.streamName} share the uuid ${mapping.uuid}: give each its own.`,
      );
    seen.set(mapping.uuid, mapping);
  }
}

function sumShardStats(shards: ShardStats[]): KinesisEventSourceMappingStats['totals'] {
  const totals = zeroShardCounts();
  for (const shard of shards) {
    for (const key of Object.keys(totals) as (keyof ShardCounts)[]) totals[key] += shard[key];
  }
  return totals;
}
