import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * The local Firehose's write-ahead log, one file per delivery stream: a record is appended here before its
 * PutRecord/PutRecordBatch is acknowledged, so an acknowledged record survives a hard kill (SIGKILL) of the
 * process and is delivered at the next start. Written without fsync: it survives the process, not the machine.
 *
 * One JSON document per line:
 *   {"accepted":[{"id","arrivedAt","data"}...]}   records acknowledged to a client (data is base64)
 *   {"delivering":{"key","recordIds"}}             an object about to be written, with its records in order
 *   {"delivered":"<key>"}                          that object is in S3
 * At start, an object that was delivering but not delivered is written again under the same key with the same
 * records, so a crash between the two lines overwrites rather than duplicates it. The file is rewritten with only
 * what is still pending when nothing is pending (cheap) and when it grows past a threshold.
 */
export interface LoggedRecord {
  id: string;
  /** Epoch milliseconds when the record was accepted: drives buffering time and the key's timestamps. */
  arrivedAt: number;
  /** The record's bytes, base64, exactly as the client sent them. */
  data: string;
}

export interface LoggedDelivery {
  key: string;
  records: LoggedRecord[];
}

/** What is accepted but not yet in S3. */
export interface PendingRecords {
  /** Records in no started delivery, in acceptance order. */
  buffered: LoggedRecord[];
  /** Objects started but not confirmed, each with its records in object order. */
  delivering: LoggedDelivery[];
}

export interface PendingRecordsSource {
  /** Whether anything is pending: cheap, asked after every delivery. */
  isIdle(): boolean;
  snapshot(): PendingRecords;
}

type LogLine =
  { accepted: LoggedRecord[] } | { delivering: { key: string; recordIds: string[] } } | { delivered: string };

// Rewrite the log once it has grown by this much since its last rewrite (which held just the pending records).
const DEFAULT_COMPACT_ABOVE_BYTES = 64 * 1024 * 1024;

export class AcceptedRecordLog {
  private tail: Promise<unknown> = Promise.resolve();
  private bytes = 0;
  /** The size of the last rewrite: what the pending records needed then. */
  private rewrittenBytes = 0;

  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private readonly pending: PendingRecordsSource,
    private readonly compactAboveBytes: number,
  ) {}

  /**
   * Reads what an earlier run left pending in `file` (missing file: nothing), rewrites the file with just that,
   * and opens it for appending. `pending` tells the log what to keep whenever it rewrites itself later.
   */
  static async open(
    file: string,
    pending: PendingRecordsSource,
    compactAboveBytes = DEFAULT_COMPACT_ABOVE_BYTES,
  ): Promise<{ log: AcceptedRecordLog; recovered: PendingRecords }> {
    await mkdir(path.dirname(file), { recursive: true });
    const recovered = recoverPendingRecords(await readFile(file, 'utf8').catch(ifMissing('')), file);
    const bytes = await rewrite(file, recovered);
    const log = new AcceptedRecordLog(file, await open(file, 'a'), pending, compactAboveBytes);
    log.bytes = bytes;
    log.rewrittenBytes = bytes;
    return { log, recovered };
  }

  /** Appends accepted records; `then` runs once they are on disk, before any later line is written. */
  accepted(records: readonly LoggedRecord[], then: () => void): Promise<void> {
    return this.append({ accepted: [...records] }, then);
  }

  deliveryStarted(key: string, recordIds: readonly string[], then: () => void = () => undefined): Promise<void> {
    return this.append({ delivering: { key, recordIds: [...recordIds] } }, then);
  }

  deliveryFinished(key: string, then: () => void): Promise<void> {
    return this.append({ delivered: key }, then);
  }

  /** Resolves once every line queued so far is written (and its `then` has run). */
  settled(): Promise<void> {
    return this.serialized(async () => undefined);
  }

  /** Waits for every line queued so far, then closes the file. */
  close(): Promise<void> {
    return this.serialized(() => this.handle.close());
  }

  private append(line: LogLine, then: () => void): Promise<void> {
    return this.serialized(async () => {
      const text = `${JSON.stringify(line)}\n`;
      await this.handle.write(text);
      this.bytes += Buffer.byteLength(text);
      then();
      // Measured from the last rewrite: with more pending than the threshold, an absolute size would rewrite the
      // whole log at every line.
      const grownBy = this.bytes - this.rewrittenBytes;
      if (this.pending.isIdle() ? this.bytes > 0 && 'delivered' in line : grownBy > this.compactAboveBytes)
        await this.compact();
    });
  }

  private async compact(): Promise<void> {
    await this.handle.close();
    this.bytes = await rewrite(this.file, this.pending.snapshot());
    this.rewrittenBytes = this.bytes;
    this.handle = await open(this.file, 'a');
  }

  // One line at a time, in call order: a line's `then` never interleaves with another line's write.
  private serialized<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Replaces the file with one holding just `pending` (write then rename: a crash leaves the old or the new). */
async function rewrite(file: string, pending: PendingRecords): Promise<number> {
  const lines: LogLine[] = [];
  for (let start = 0; start < pending.buffered.length; start += 500)
    lines.push({ accepted: pending.buffered.slice(start, start + 500) });
  for (const { key, records } of pending.delivering) {
    lines.push({ accepted: records });
    lines.push({ delivering: { key, recordIds: records.map((record) => record.id) } });
  }
  const text = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
  const partial = `${file}.rewrite`;
  const handle = await open(partial, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(partial, file);
  return Buffer.byteLength(text);
}

export function recoverPendingRecords(text: string, file: string): PendingRecords {
  const records = new Map<string, LoggedRecord>();
  const delivering = new Map<string, string[]>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line === '') return;
    let entry: LogLine;
    try {
      entry = JSON.parse(line) as LogLine;
    } catch {
      // A torn last line is a write the process died in: its records were never acknowledged.
      if (index === lines.length - 1) return;
      throw new Error(
        `${file} line ${index + 1} is not JSON: the local Firehose's log is damaged; move it away to start without it.`,
      );
    }
    if ('accepted' in entry) for (const record of entry.accepted) records.set(record.id, record);
    else if ('delivering' in entry) delivering.set(entry.delivering.key, entry.delivering.recordIds);
    else if ('delivered' in entry) {
      for (const id of delivering.get(entry.delivered) ?? []) records.delete(id);
      delivering.delete(entry.delivered);
    }
  });
  const inDelivery = new Set<string>();
  const deliveries: LoggedDelivery[] = [];
  for (const [key, recordIds] of delivering) {
    const objectRecords = recordIds
      .map((id) => records.get(id))
      .filter((record): record is LoggedRecord => record !== undefined);
    if (objectRecords.length !== recordIds.length)
      throw new Error(
        `${file}: object ${key} lists records the log does not hold; move the log away to start without it.`,
      );
    recordIds.forEach((id) => inDelivery.add(id));
    deliveries.push({ key, records: objectRecords });
  }
  return { buffered: [...records.values()].filter((record) => !inDelivery.has(record.id)), delivering: deliveries };
}

function ifMissing<T>(value: T) {
  return (error: NodeJS.ErrnoException): T => {
    if (error.code === 'ENOENT') return value;
    throw error;
  };
}
