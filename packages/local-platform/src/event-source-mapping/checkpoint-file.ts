import { closeSync, ftruncateSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** What a mapping has committed, persisted at `<stateDir>/kinesis-event-source-mappings/<uuid>.json`. */
export interface MappingCheckpoints {
  uuid: string;
  functionName: string;
  streamArn: string;
  /** When the mapping first ran: a LATEST mapping resumes from here on a shard it never checkpointed. */
  createdAt: string;
  /** Tells a recreated stream (whose sequence numbers mean nothing to these checkpoints) from the one checkpointed. */
  streamCreationTimestamp: string;
  shards: Record<string, ShardCheckpoint>;
}

export interface ShardCheckpoint {
  /** The last record processed or sent to the on-failure destination. */
  sequenceNumber?: string;
  /** Every record of this closed shard is committed: its child shards may start. */
  ended?: boolean;
}

// Commits appended to the journal before it is folded into the snapshot.
const COMMITS_PER_SNAPSHOT = 10_000;

/**
 * One mapping's checkpoints: a snapshot (`<uuid>.json`, replaced by temp file + rename) and a journal
 * (`<uuid>.journal`) with one line per commit since. A commit is one append to the journal, written before
 * commit() returns, so a killed process loses nothing it committed: at most the batch in flight is re-delivered.
 * (Rewriting the snapshot per batch costs milliseconds on a busy disk; an append costs microseconds.)
 */
export class CheckpointFile {
  readonly filePath: string;
  private readonly journalPath: string;
  private state: MappingCheckpoints;
  private journal: number | undefined;
  private commitsSinceSnapshot = 0;

  private constructor(filePath: string, state: MappingCheckpoints) {
    this.filePath = filePath;
    this.journalPath = filePath.replace(/\.json$/, '.journal');
    this.state = state;
  }

  /** Reads the snapshot and replays the journal; `previous` is undefined for a mapping that never ran. */
  static async open(
    stateDir: string,
    uuid: string,
  ): Promise<{ file: CheckpointFile; previous: MappingCheckpoints | undefined }> {
    const directory = path.join(stateDir, 'kinesis-event-source-mappings');
    await mkdir(directory, { recursive: true });
    const filePath = path.join(directory, `${uuid}.json`);
    const snapshot = await readIfExists(filePath);
    const journal = await readIfExists(filePath.replace(/\.json$/, '.journal'));
    let previous: MappingCheckpoints | undefined;
    try {
      previous = snapshot === undefined ? undefined : (JSON.parse(snapshot) as MappingCheckpoints);
    } catch (error) {
      throw new Error(
        `Cannot read the checkpoints in ${filePath} (${(error as Error).message}): delete it to start the mapping over.`,
      );
    }
    if (previous !== undefined) {
      for (const line of (journal ?? '').split('\n')) {
        const commit = parseJournalLine(line);
        // Only a crash of the machine itself can leave a torn last line.
        if (commit) previous.shards[commit.shardId] = { ...previous.shards[commit.shardId], ...commit.checkpoint };
      }
    }
    const empty: MappingCheckpoints = {
      uuid,
      functionName: '',
      streamArn: '',
      createdAt: '',
      streamCreationTimestamp: '',
      shards: {},
    };
    const file = new CheckpointFile(filePath, structuredClone(previous ?? empty));
    if (previous !== undefined) file.writeSnapshot();
    return { file, previous };
  }

  get checkpoints(): Readonly<MappingCheckpoints> {
    return this.state;
  }

  shard(shardId: string): ShardCheckpoint {
    return this.state.shards[shardId] ?? {};
  }

  /** Replaces everything (a new or restarted mapping). */
  reset(state: MappingCheckpoints): void {
    this.state = structuredClone(state);
    this.writeSnapshot();
  }

  /** Persists the shard's checkpoint before returning; throws if it could not. */
  commit(shardId: string, checkpoint: ShardCheckpoint): void {
    this.state.shards[shardId] = { ...this.shard(shardId), ...checkpoint };
    if (this.commitsSinceSnapshot >= COMMITS_PER_SNAPSHOT) {
      this.writeSnapshot();
      return;
    }
    this.journal ??= openSync(this.journalPath, 'a');
    // Synchronous: one append of a few hundred bytes, ordered with the next batch's invocation.
    writeSync(this.journal, `${JSON.stringify({ shardId, ...checkpoint })}\n`);
    this.commitsSinceSnapshot += 1;
  }

  /** Folds the journal into the snapshot, so `<uuid>.json` alone is up to date. */
  close(): void {
    // A mapping that never got to its stream has nothing to keep.
    if (this.state.streamCreationTimestamp !== '') this.writeSnapshot();
    if (this.journal !== undefined) closeSync(this.journal);
    this.journal = undefined;
  }

  private writeSnapshot(): void {
    const temporary = `${this.filePath}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2));
    renameSync(temporary, this.filePath);
    // The snapshot holds every commit: the journal starts over (a kill before this line replays to the same state).
    this.journal ??= openSync(this.journalPath, 'a');
    ftruncateSync(this.journal, 0);
    this.commitsSinceSnapshot = 0;
  }
}

async function readIfExists(filePath: string): Promise<string | undefined> {
  try {
    return await readFile(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function parseJournalLine(line: string): { shardId: string; checkpoint: ShardCheckpoint } | undefined {
  if (line.trim() === '') return undefined;
  try {
    const { shardId, ...checkpoint } = JSON.parse(line) as ShardCheckpoint & { shardId: string };
    return typeof shardId === 'string' ? { shardId, checkpoint } : undefined;
  } catch {
    return undefined;
  }
}
