import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
} from '@aws-sdk/client-kinesis';
import type { Pool } from 'pg';
import { KinesisSourcePosition, type StagedBatch } from './kinesis-source-position';
import type { Buffering, ObjectStore } from './local-delivery-stream';
import { CopyFailedError, RedshiftCopyExecutor, type ObjectReader } from './redshift-copy';
import type { RedshiftDeliveryDefinition } from './redshift-destination';
import { evaluatePrefix, objectName, parseS3PrefixTemplate } from './s3-object-key';

const gzipAsync = promisify(gzip);

/** How long a Kinesis-sourced stream waits, as AWS does; tests and local runs scale the retries down. */
export interface KinesisSourcedTiming {
  /** Between GetRecords calls on a shard: AWS makes about one a second per shard. */
  pollIntervalMs: number;
  /** Multiplies RetryOptions.DurationInSeconds and the 5 minutes between COPY attempts (1 on AWS). */
  retryTimeScale: number;
}

export interface KinesisRedshiftDeliveryStreamOptions {
  name: string;
  arn: string;
  definition: RedshiftDeliveryDefinition;
  buffering: Buffering;
  timing: KinesisSourcedTiming;
  kinesis: KinesisClient;
  store: ObjectStore & ObjectReader;
  warehouse: Pool;
  /** The stream's position file under the state directory. */
  positionFile: string;
  log: (message: string) => void;
}

// Firehose retries a failed COPY every 5 minutes until RetryOptions.DurationInSeconds has passed.
const COPY_RETRY_INTERVAL_MS = 5 * 60 * 1000;
const STREAM_VERSION = 1;
// Batches staged ahead of the one being COPYed before the readers wait: bounds memory and S3 use.
const MAX_STAGED_AHEAD = 4;
// Firehose's error-output-type for a manifest it gave up loading (the docs: "a manifest file in the errors folder").
export const REDSHIFT_MANIFEST_FAILED = 'manifests';
const DEFAULT_ERROR_PREFIX = parseS3PrefixTemplate('errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH/}');

interface BufferedRecord {
  shardId: string;
  sequenceNumber: string;
  arrivedAt: number;
  data: Uint8Array;
}

/**
 * A delivery stream with a Kinesis stream as its source and Redshift as its destination: reads every shard from
 * LATEST at creation (then from its saved position), buffers per the staging S3Configuration's hints, stages each
 * buffer as one object (records concatenated without a delimiter, gzipped when declared) plus a manifest, and COPYs
 * the manifests one at a time into the local warehouse, retrying per RetryOptions, then writing the manifest under
 * the error prefix. Nothing runs after a COPY (the warehouse's schedule merges). See KinesisSourcePosition for what
 * survives a SIGKILL.
 */
export class KinesisRedshiftDeliveryStream {
  readonly createdAt = new Date();
  private readonly buffer: BufferedRecord[] = [];
  private bufferBytes = 0;
  private bufferTimer: NodeJS.Timeout | undefined;
  private readonly queue: { batch: StagedBatch; staged: Promise<void> }[] = [];
  private readonly stopController = new AbortController();
  private readonly copier: RedshiftCopyExecutor;
  private position!: KinesisSourcePosition;
  private readers: Promise<void>[] = [];
  private deliveries: Promise<void> = Promise.resolve();
  // Batches are staged one after another: the position file must list them in the order their records were read.
  private staging: Promise<void> = Promise.resolve();
  private idleWaiters: (() => void)[] = [];

  private constructor(private readonly options: KinesisRedshiftDeliveryStreamOptions) {
    this.copier = new RedshiftCopyExecutor(options.warehouse, options.definition.copy, options.store, options.name);
  }

  get name(): string {
    return this.options.name;
  }

  get arn(): string {
    return this.options.arn;
  }

  get definition(): RedshiftDeliveryDefinition {
    return this.options.definition;
  }

  static async start(options: KinesisRedshiftDeliveryStreamOptions): Promise<KinesisRedshiftDeliveryStream> {
    const stream = new KinesisRedshiftDeliveryStream(options);
    stream.position = KinesisSourcePosition.open(options.positionFile, options.definition.sourceStreamArn);
    // Batches staged before a stop or a kill are COPYed first, in order (the COPY skips any already loaded).
    for (const batch of stream.position.state.staged) stream.enqueue(batch, Promise.resolve());
    // The source stream is created in the same start-up phase: wait for it a while, as for the staging bucket.
    const deadline = Date.now() + 60_000;
    let shards: string[] | undefined;
    while (shards === undefined) {
      try {
        shards = await stream.listShards();
      } catch (error) {
        if ((error as Error).name !== 'ResourceNotFoundException' || Date.now() > deadline) throw error;
        await sleep(250);
      }
    }
    stream.readers = shards.map((shardId) => stream.readShard(shardId));
    return stream;
  }

  /** Stages what is buffered now and waits until every staged batch is loaded or given up on. */
  async flush(): Promise<void> {
    this.seal();
    await this.deliveries;
  }

  /** Stops reading and lets the COPY under way finish; what is only buffered is read again at the next start. */
  async stop(): Promise<void> {
    this.stopController.abort();
    clearTimeout(this.bufferTimer);
    await Promise.allSettled(this.readers);
    await this.deliveries.catch(() => undefined);
  }

  private get stopped(): boolean {
    return this.stopController.signal.aborted;
  }

  private async listShards(): Promise<string[]> {
    const streamName = this.definition.sourceStreamArn.split('/').pop()!;
    const shards: string[] = [];
    let nextToken: string | undefined;
    do {
      const output = await this.options.kinesis.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: streamName }),
      );
      // Open shards only: the local streams are never resharded.
      for (const shard of output.Shards ?? [])
        if (shard.SequenceNumberRange?.EndingSequenceNumber === undefined) shards.push(shard.ShardId!);
      nextToken = output.NextToken;
    } while (nextToken);
    return shards;
  }

  private async readShard(shardId: string): Promise<void> {
    const streamName = this.definition.sourceStreamArn.split('/').pop()!;
    const signal = this.stopController.signal;
    const after = this.position.readFrom(shardId);
    // LATEST at creation; after a restart with no record of the shard, what arrived since creation (not LATEST again).
    const skipArrivalsBefore = after === undefined && this.position.resumed ? this.position.state.createdAt : undefined;
    let iterator: string | undefined;
    while (iterator === undefined && !this.stopped) {
      try {
        const output = await this.options.kinesis.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shardId,
            ...(after !== undefined
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
              : { ShardIteratorType: skipArrivalsBefore === undefined ? 'LATEST' : 'TRIM_HORIZON' }),
          }),
          { abortSignal: signal },
        );
        iterator = output.ShardIterator;
      } catch (error) {
        if (this.stopped) return;
        this.options.log(
          `Firehose ${this.name}: GetShardIterator on ${shardId} failed (${(error as Error).message}); retrying.`,
        );
        await sleep(this.options.timing.pollIntervalMs, undefined, { signal }).catch(() => undefined);
      }
    }
    while (iterator !== undefined && !this.stopped) {
      const startedAt = Date.now();
      if (this.queue.length >= MAX_STAGED_AHEAD) {
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
        continue;
      }
      try {
        const output = await this.options.kinesis.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }),
          {
            abortSignal: signal,
          },
        );
        for (const record of output.Records ?? []) {
          if (
            skipArrivalsBefore !== undefined &&
            (record.ApproximateArrivalTimestamp?.getTime() ?? 0) < skipArrivalsBefore
          )
            continue;
          this.add(shardId, record);
        }
        iterator = output.NextShardIterator;
      } catch (error) {
        if (this.stopped) return;
        if ((error as Error).name === 'ExpiredIteratorException') {
          this.options.log(
            `Firehose ${this.name}: the iterator of ${shardId} expired; restart the platform to resume.`,
          );
          return;
        }
        this.options.log(
          `Firehose ${this.name}: GetRecords on ${shardId} failed (${(error as Error).message}); retrying.`,
        );
      }
      const wait = this.options.timing.pollIntervalMs - (Date.now() - startedAt);
      if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }

  private add(shardId: string, record: KinesisRecord): void {
    const data = record.Data ?? new Uint8Array();
    if (this.buffer.length === 0) {
      const interval = this.options.buffering.intervalInMilliseconds;
      this.bufferTimer = setTimeout(() => this.seal(), interval);
    }
    this.buffer.push({
      shardId,
      sequenceNumber: record.SequenceNumber!,
      arrivedAt: record.ApproximateArrivalTimestamp?.getTime() ?? Date.now(),
      data,
    });
    this.bufferBytes += data.length;
    if (this.bufferBytes >= this.options.buffering.sizeInBytes) this.seal();
  }

  /** Turns the buffer into a batch: its object and manifest are written, then the batch is saved and COPYed. */
  private seal(): void {
    clearTimeout(this.bufferTimer);
    if (this.buffer.length === 0) return;
    const records = this.buffer.splice(0);
    this.bufferBytes = 0;
    const { staging } = this.definition;
    // A reduce, not Math.min(...): a 64 MB buffer holds more records than a call takes arguments.
    const oldest = new Date(records.reduce((min, record) => Math.min(min, record.arrivedAt), Infinity));
    const extension = staging.compression === 'GZIP' ? '.gz' : '';
    const name = objectName(this.name, STREAM_VERSION, oldest, 'UTC', '');
    const batch: StagedBatch = {
      objectKey: evaluatePrefix(staging.prefix, { oldestArrival: oldest, timeZone: 'UTC' }) + name + extension,
      manifestKey: evaluatePrefix(staging.manifestPrefix, { oldestArrival: oldest, timeZone: 'UTC' }) + name,
      oldestArrival: oldest.getTime(),
      lastSequenceNumbers: {},
    };
    for (const record of records) batch.lastSequenceNumbers[record.shardId] = record.sequenceNumber;
    const staged = this.staging.then(() => this.stage(batch, records));
    this.staging = staged.catch(() => undefined);
    this.enqueue(batch, staged);
  }

  private async stage(batch: StagedBatch, records: readonly BufferedRecord[]): Promise<void> {
    const { staging } = this.definition;
    const content = Buffer.concat(records.map((record) => record.data));
    const body = staging.compression === 'GZIP' ? await gzipAsync(content) : content;
    const manifest = { entries: [{ url: `s3://${staging.bucketName}/${batch.objectKey}`, mandatory: true }] };
    await this.retryForever(`writing s3://${staging.bucketName}/${batch.objectKey}`, async () => {
      await this.options.store.putObject(staging.bucketName, batch.objectKey, body);
      await this.options.store.putObject(staging.bucketName, batch.manifestKey, Buffer.from(JSON.stringify(manifest)));
    });
    // Saved only once in S3: a kill before this line reads the records again from the source stream.
    this.position.staged(batch);
  }

  private enqueue(batch: StagedBatch, staged: Promise<void>): void {
    const entry = { batch, staged };
    this.queue.push(entry);
    this.deliveries = this.deliveries
      .then(async () => {
        await staged;
        if (this.stopped) return;
        await this.load(batch);
      })
      .catch((error: unknown) => this.options.log(`Firehose ${this.name}: ${(error as Error).message}`))
      .finally(() => {
        this.queue.splice(this.queue.indexOf(entry), 1);
        for (const wake of this.idleWaiters.splice(0)) wake();
      });
  }

  /** One manifest's COPY with Firehose's retries; then the checkpoint moves past it, loaded or given up on. */
  private async load(batch: StagedBatch): Promise<void> {
    const { staging, retryDurationInSeconds } = this.definition;
    const scale = this.options.timing.retryTimeScale;
    // Attempts every 5 minutes from the first, while the retry duration lasts: 12 attempts in AWS's default hour.
    const firstAttemptAt = Date.now();
    const deadline = firstAttemptAt + retryDurationInSeconds * 1000 * scale;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.copier.copyManifest(staging.bucketName, batch.manifestKey);
        if (attempt > 1 || outcome === 'already-loaded')
          this.options.log(`Firehose ${this.name}: ${batch.manifestKey} ${outcome} (attempt ${attempt}).`);
        break;
      } catch (error) {
        if (this.stopped) return;
        const message =
          error instanceof CopyFailedError ? error.message : `cannot reach the warehouse: ${(error as Error).message}`;
        const retryAt = firstAttemptAt + attempt * COPY_RETRY_INTERVAL_MS * scale;
        if (retryAt >= deadline) {
          this.options.log(
            `Firehose ${this.name}: giving up on ${batch.manifestKey} after ${attempt} attempt(s): ${message}`,
          );
          await this.writeErrorManifest(batch);
          break;
        }
        this.options.log(
          `Firehose ${this.name}: COPY of ${batch.manifestKey} failed (attempt ${attempt}, retrying): ${message}`,
        );
        await sleep(Math.max(0, retryAt - Date.now()), undefined, { signal: this.stopController.signal }).catch(
          () => undefined,
        );
        if (this.stopped) return;
      }
    }
    this.position.committed(batch.manifestKey);
  }

  private async writeErrorManifest(batch: StagedBatch): Promise<void> {
    const { staging } = this.definition;
    const key =
      evaluatePrefix(staging.errorOutputPrefix ?? DEFAULT_ERROR_PREFIX, {
        oldestArrival: new Date(batch.oldestArrival),
        timeZone: 'UTC',
        errorOutputType: REDSHIFT_MANIFEST_FAILED,
      }) + batch.manifestKey.split('/').pop()!;
    await this.retryForever(`writing s3://${staging.bucketName}/${key}`, async () => {
      const manifest = await this.options.store.getObject(staging.bucketName, batch.manifestKey);
      await this.options.store.putObject(staging.bucketName, key, manifest);
    });
  }

  private async retryForever(what: string, operation: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (this.stopped) throw error;
        if (attempt === 1 || attempt % 10 === 0)
          this.options.log(
            `Firehose ${this.name}: ${what} failed (attempt ${attempt}, retrying): ${(error as Error).message}`,
          );
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)));
      }
    }
  }
}
