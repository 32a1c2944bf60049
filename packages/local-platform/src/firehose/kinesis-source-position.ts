import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A staged batch whose COPY has not yet committed (or been given up on): replayed first after a restart. */
export interface StagedBatch {
  manifestKey: string;
  objectKey: string;
  /** Arrival time of its oldest record (epoch ms): names the error manifest if the load is given up on. */
  oldestArrival: number;
  /** Per shard, the last record in the batch. */
  lastSequenceNumbers: Record<string, string>;
}

/** What a Kinesis-sourced delivery stream keeps under the state directory. */
export interface KinesisSourcePositionState {
  streamArn: string;
  /** When the delivery stream first read its source: it reads from LATEST at creation, so nothing earlier counts. */
  createdAt: number;
  /** Per shard, the last record whose batch is loaded (or given up on after its retries). */
  committed: Record<string, string>;
  /** Batches staged in S3, in order, not yet committed. */
  staged: StagedBatch[];
}

/**
 * The delivery stream's position in its source stream, one JSON file rewritten (temp file + rename) at each step:
 * a batch is added once its objects and manifest are in S3, and moved into `committed` only after its COPY committed.
 * So a SIGKILL loses nothing (records not yet staged are read again from Kinesis) and doubles nothing (a staged batch
 * is COPYed again, and the COPY skips a manifest the warehouse already recorded as loaded).
 */
export class KinesisSourcePosition {
  private constructor(
    readonly file: string,
    private current: KinesisSourcePositionState,
    readonly resumed: boolean,
  ) {}

  /** Reads the file; a missing one (or one for another stream) starts at LATEST, now. */
  static open(file: string, streamArn: string): KinesisSourcePosition {
    mkdirSync(path.dirname(file), { recursive: true });
    let previous: KinesisSourcePositionState | undefined;
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as KinesisSourcePositionState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(
          `Cannot read ${file} (${(error as Error).message}): delete it to start the delivery stream over from LATEST.`,
        );
    }
    const resumed = previous !== undefined && previous.streamArn === streamArn;
    const position = new KinesisSourcePosition(
      file,
      resumed ? previous! : { streamArn, createdAt: Date.now(), committed: {}, staged: [] },
      resumed,
    );
    position.write();
    return position;
  }

  get state(): Readonly<KinesisSourcePositionState> {
    return this.current;
  }

  /** Where a shard's reader starts: after its last staged or committed record, undefined if it has none. */
  readFrom(shardId: string): string | undefined {
    for (let index = this.current.staged.length - 1; index >= 0; index--) {
      const sequenceNumber = this.current.staged[index]!.lastSequenceNumbers[shardId];
      if (sequenceNumber !== undefined) return sequenceNumber;
    }
    return this.current.committed[shardId];
  }

  staged(batch: StagedBatch): void {
    this.current.staged.push(batch);
    this.write();
  }

  /** The batch is loaded or given up on: its records are behind the stream's position for good. */
  committed(manifestKey: string): void {
    const batch = this.current.staged.find((staged) => staged.manifestKey === manifestKey);
    if (batch === undefined) return;
    Object.assign(this.current.committed, batch.lastSequenceNumbers);
    this.current.staged = this.current.staged.filter((staged) => staged !== batch);
    this.write();
  }

  private write(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.current, null, 2));
    renameSync(temporary, this.file);
  }
}
