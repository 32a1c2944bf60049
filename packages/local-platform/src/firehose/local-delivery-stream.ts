import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { AcceptedRecordLog, type LoggedRecord, type PendingRecords } from './accepted-record-log';
import type { S3DeliveryDefinition } from './extended-s3-destination';
import { PartitionKeyExtractionError } from './partition-key-query';
import { evaluatePrefix, objectName } from './s3-object-key';

const gzipAsync = promisify(gzip);

/** Where delivered objects go: S3 (s3rver) in the platform, anything in a test. */
export interface ObjectStore {
  putObject(bucket: string, key: string, body: Buffer): Promise<void>;
}

/** Buffering in effect: the declared hints, or an override for local runs and tests. */
export interface Buffering {
  sizeInBytes: number;
  intervalInMilliseconds: number;
}

export interface LocalDeliveryStreamOptions {
  name: string;
  arn: string;
  bucketName: string;
  definition: S3DeliveryDefinition;
  buffering: Buffering;
  store: ObjectStore;
  /** The stream's write-ahead log file. */
  logFile: string;
  log: (message: string) => void;
}

/** AWS's error-output-type for records whose partition keys cannot be extracted (as S3 keys on AWS show it). */
export const PARTITIONING_FAILED = 'partitioning-failed';
const METADATA_EXTRACTION_FAILED = 'DynamicPartitioning.MetadataExtractionFailed';
// The stream version in object names: AWS starts at 1 and counts configuration changes, which a local run has none of.
const STREAM_VERSION = 1;
const MAX_CONCURRENT_DELIVERIES = 8;
const RETRIES_WHEN_STOPPING = 3;

interface ProcessedRecord {
  logged: LoggedRecord;
  /** The bytes that go into the object: the record plus its delimiter, or its error document. */
  bytes: Buffer;
  /** Buffers are per partition: records with the same value here share objects. */
  partition: string;
  partitionKeys: Record<string, string> | undefined;
  failed: boolean;
}

interface PartitionBuffer {
  records: ProcessedRecord[];
  bytes: number;
  timer: NodeJS.Timeout | undefined;
}

interface Delivery {
  key: string;
  records: ProcessedRecord[];
}

/**
 * One delivery stream: processes records as the declared processors do (MetadataExtraction, then
 * AppendDelimiterToRecord), buffers them per partition until the size or the interval is reached, and writes
 * each buffer as one object (gzipped when declared) under the evaluated prefix, failed records under the error
 * output prefix. Accepted records are logged before they are acknowledged; see AcceptedRecordLog.
 */
export class LocalDeliveryStream {
  private readonly partitions = new Map<string, PartitionBuffer>();
  private readonly inFlight = new Map<string, { delivery: Delivery; done: Promise<void> }>();
  private readonly waitingForSlot: (() => void)[] = [];
  private running = 0;
  private stopping = false;
  private log!: AcceptedRecordLog;
  readonly createdAt = new Date();

  private constructor(private readonly options: LocalDeliveryStreamOptions) {}

  get name(): string {
    return this.options.name;
  }

  get arn(): string {
    return this.options.arn;
  }

  get bucketName(): string {
    return this.options.bucketName;
  }

  get definition(): S3DeliveryDefinition {
    return this.options.definition;
  }

  /** Opens the stream's log and resumes what an earlier run left pending (delivered in the background). */
  static async start(options: LocalDeliveryStreamOptions): Promise<LocalDeliveryStream> {
    const stream = new LocalDeliveryStream(options);
    const { log, recovered } = await AcceptedRecordLog.open(options.logFile, {
      isIdle: () => stream.partitions.size === 0 && stream.inFlight.size === 0,
      snapshot: () => stream.pendingRecords(),
    });
    stream.log = log;
    stream.resume(recovered);
    return stream;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Accepts records (raw bytes and their base64 as sent); resolves with their RecordIds once they are logged. */
  async put(records: readonly { data: string; bytes: Buffer }[]): Promise<string[]> {
    if (this.stopping) throw new Error(`Firehose ${this.name} is stopping`);
    const arrivedAt = Date.now();
    const processed = records.map(({ data, bytes }) => this.process({ id: randomUUID(), arrivedAt, data }, bytes));
    await this.log.accepted(
      processed.map((record) => record.logged),
      () => processed.forEach((record) => this.buffer(record)),
    );
    return processed.map((record) => record.logged.id);
  }

  /** Delivers everything buffered now and waits until it and every delivery under way is in S3. */
  async flush(): Promise<void> {
    for (const partition of [...this.partitions.keys()]) this.seal(partition);
    const results = await Promise.allSettled([...this.inFlight.values()].map((entry) => entry.done));
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failures.length > 0) {
      throw new Error(
        `Firehose ${this.name}: ${failures.length} object(s) could not be written to s3://${this.bucketName} ` +
          `(${String(failures[0]!.reason)}); their records stay in ${this.options.logFile} and are delivered at the next start.`,
      );
    }
  }

  /** Refuses new records, delivers what is buffered, closes the log. */
  async stop(): Promise<void> {
    this.stopping = true;
    try {
      // Puts acknowledged just before the stop are still on their way into the buffers: wait for their log lines.
      await this.log.settled();
      do await this.flush();
      while (this.partitions.size > 0);
    } finally {
      for (const buffer of this.partitions.values()) clearTimeout(buffer.timer);
      await this.log.close();
    }
  }

  private resume(recovered: PendingRecords): void {
    for (const { key, records } of recovered.delivering) {
      const processed = records.map((record) => this.process(record, Buffer.from(record.data, 'base64')));
      this.startDelivery({ key, records: processed }, false);
    }
    for (const record of recovered.buffered) this.buffer(this.process(record, Buffer.from(record.data, 'base64')));
    const count =
      recovered.buffered.length + recovered.delivering.reduce((sum, delivery) => sum + delivery.records.length, 0);
    if (count > 0)
      this.options.log(
        `Firehose ${this.name}: resuming ${count} record(s) accepted before the last stop, from ${this.options.logFile}`,
      );
  }

  private process(logged: LoggedRecord, bytes: Buffer): ProcessedRecord {
    const { partitionKeyQuery, recordDelimiter } = this.definition;
    if (partitionKeyQuery === undefined) {
      return {
        logged,
        bytes: withDelimiter(bytes, recordDelimiter),
        partition: '',
        partitionKeys: undefined,
        failed: false,
      };
    }
    let partitionKeys: Record<string, string>;
    try {
      partitionKeys = partitionKeyQuery.extract(JSON.parse(bytes.toString('utf8')));
    } catch (error) {
      const reason = error instanceof PartitionKeyExtractionError ? error.message : 'Non JSON record provided';
      return {
        logged,
        bytes: errorDocument(logged, reason),
        partition: `!${PARTITIONING_FAILED}`,
        partitionKeys: undefined,
        failed: true,
      };
    }
    return {
      logged,
      bytes: withDelimiter(bytes, recordDelimiter),
      partition: JSON.stringify(partitionKeys),
      partitionKeys,
      failed: false,
    };
  }

  private buffer(record: ProcessedRecord): void {
    let buffer = this.partitions.get(record.partition);
    if (buffer === undefined) {
      buffer = { records: [], bytes: 0, timer: undefined };
      this.partitions.set(record.partition, buffer);
      const due = record.logged.arrivedAt + this.options.buffering.intervalInMilliseconds - Date.now();
      buffer.timer = setTimeout(() => this.seal(record.partition), Math.max(0, due));
    }
    buffer.records.push(record);
    buffer.bytes += record.bytes.length;
    if (buffer.bytes >= this.options.buffering.sizeInBytes) this.seal(record.partition);
  }

  /** Turns a partition's buffer into an object and starts writing it. */
  private seal(partition: string): void {
    const buffer = this.partitions.get(partition);
    if (buffer === undefined) return;
    clearTimeout(buffer.timer);
    this.partitions.delete(partition);
    const first = buffer.records[0]!;
    const { definition } = this;
    const oldestArrival = new Date(first.logged.arrivedAt);
    const prefix = evaluatePrefix(first.failed ? definition.errorOutputPrefix! : definition.prefix, {
      oldestArrival,
      timeZone: definition.timeZone,
      partitionKeys: first.partitionKeys,
      errorOutputType: first.failed ? PARTITIONING_FAILED : undefined,
    });
    const key =
      prefix + objectName(this.name, STREAM_VERSION, oldestArrival, definition.timeZone, definition.fileExtension);
    this.startDelivery({ key, records: buffer.records }, true);
  }

  private startDelivery(delivery: Delivery, logStart: boolean): void {
    const done = this.deliver(delivery, logStart);
    this.inFlight.set(delivery.key, { delivery, done });
    // flush() reports failures; this only keeps a failed delivery from being an unhandled rejection.
    done.catch(() => undefined);
  }

  private async deliver({ key, records }: Delivery, logStart: boolean): Promise<void> {
    if (logStart)
      await this.log.deliveryStarted(
        key,
        records.map((record) => record.logged.id),
      );
    await this.acquireSlot();
    try {
      const content = Buffer.concat(records.map((record) => record.bytes));
      const body = this.definition.compression === 'GZIP' ? await gzipAsync(content) : content;
      await this.putWithRetries(key, body);
    } finally {
      this.releaseSlot();
    }
    await this.log.deliveryFinished(key, () => this.inFlight.delete(key));
  }

  // Like AWS, keep retrying while running (it retries S3 for up to a day); give up after a few tries once stopping.
  private async putWithRetries(key: string, body: Buffer): Promise<void> {
    for (let attempt = 1, retriesWhileStopping = 0; ; attempt++) {
      try {
        await this.options.store.putObject(this.bucketName, key, body);
        if (attempt > 1)
          this.options.log(`Firehose ${this.name}: s3://${this.bucketName}/${key} written after ${attempt} attempts`);
        return;
      } catch (error) {
        if (this.stopping && ++retriesWhileStopping > RETRIES_WHEN_STOPPING) throw error;
        if (attempt === 1 || attempt % 10 === 0) {
          this.options.log(
            `Firehose ${this.name}: writing s3://${this.bucketName}/${key} failed (attempt ${attempt}, retrying): ${(error as Error).message}`,
          );
        }
        await sleep(Math.min(5_000, 100 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2));
      }
    }
  }

  private async acquireSlot(): Promise<void> {
    if (this.running >= MAX_CONCURRENT_DELIVERIES)
      await new Promise<void>((resolve) => this.waitingForSlot.push(resolve));
    else this.running++;
  }

  // A waiting delivery takes over the slot directly, so `running` never exceeds the limit.
  private releaseSlot(): void {
    const next = this.waitingForSlot.shift();
    if (next) next();
    else this.running--;
  }

  private pendingRecords(): PendingRecords {
    return {
      buffered: [...this.partitions.values()].flatMap((buffer) => buffer.records.map((record) => record.logged)),
      delivering: [...this.inFlight.values()].map(({ delivery }) => ({
        key: delivery.key,
        records: delivery.records.map((record) => record.logged),
      })),
    };
  }
}

function withDelimiter(bytes: Buffer, delimiter: string | undefined): Buffer {
  return delimiter === undefined ? bytes : Buffer.concat([bytes, Buffer.from(delimiter, 'utf8')]);
}

/** The JSON document AWS writes under the error output prefix for a record it could not partition. */
function errorDocument(record: LoggedRecord, errorMessage: string): Buffer {
  const document = {
    attemptsMade: 1,
    arrivalTimestamp: record.arrivedAt,
    errorCode: METADATA_EXTRACTION_FAILED,
    errorMessage,
    attemptEndingTimestamp: record.arrivedAt,
    rawData: record.data,
  };
  return Buffer.from(`${JSON.stringify(document)}\n`, 'utf8');
}
