import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { INVOICE_TABLE_KEYS, LINE_SORT_KEY_PREFIX } from '@retail/adapters';
import type { MappingCheckpoints } from '@retail/local-platform';
import { DEFAULT_SCAN_SEGMENTS, forEachConcurrently, listKeys, objectLines, type RawBucketLayout } from '@retail/cli';

/**
 * Cheap readings of how far each sink has got, for the pipeline bench to poll while the platform drains. The full
 * comparison with the source is reconcile's; these only count.
 */

export interface InvoiceTableCount {
  lines: number;
  /** Every other item: the invoice summaries. */
  summaries: number;
  elapsedMs: number;
}

/**
 * Counts the line items with a parallel Scan that returns no items (Select COUNT): Count is what the filter keeps
 * (the lines), ScannedCount every item. dynalite still reads the whole table, so a reading costs it seconds at full size.
 */
export async function countInvoiceTableItems(
  client: DynamoDBClient,
  tableName: string,
  segments = DEFAULT_SCAN_SEGMENTS,
): Promise<InvoiceTableCount> {
  const started = performance.now();
  let lines = 0;
  let scanned = 0;
  const scanSegment = async (segment: number) => {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          Select: 'COUNT',
          FilterExpression: 'begins_with(#sk, :line)',
          ExpressionAttributeNames: { '#sk': INVOICE_TABLE_KEYS.sortKey },
          ExpressionAttributeValues: { ':line': { S: LINE_SORT_KEY_PREFIX } },
          ExclusiveStartKey: startKey,
          ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
        }),
      );
      lines += page.Count ?? 0;
      scanned += page.ScannedCount ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  };
  await Promise.all(Array.from({ length: segments }, (_, segment) => scanSegment(segment)));
  return { lines, summaries: scanned - lines, elapsedMs: performance.now() - started };
}

/**
 * Counts the raw archive's records by line id, reading each object once: Firehose never rewrites an object, so a
 * reading only lists the prefix and fetches the objects that are new since the last one.
 */
export class RawBucketLineCounter {
  private readonly objectsRead = new Set<string>();
  /** Copies of each line id: a second load delivers every line again, Firehose's retries now and then. */
  private readonly copies = new Map<string, number>();
  private readonly linesWithCopies: number[] = [0];
  records = 0;

  constructor(
    private readonly client: S3Client,
    private readonly layout: RawBucketLayout,
  ) {}

  get objects(): number {
    return this.objectsRead.size;
  }

  /** Line ids delivered at least `copies` times. */
  linesDelivered(copies = 1): number {
    return this.linesWithCopies[copies] ?? 0;
  }

  async refresh(): Promise<void> {
    const keys = (await listKeys(this.client, this.layout.bucket, this.layout.linesPrefix)).filter(
      (key) => !this.objectsRead.has(key),
    );
    await forEachConcurrently(keys, async (key) => {
      const lineIds: string[] = [];
      try {
        for await (const text of objectLines(this.client, this.layout.bucket, key)) lineIds.push(lineIdOf(text));
      } catch {
        // Listed while still being written (a truncated gzip): read again at the next refresh.
        return;
      }
      this.objectsRead.add(key);
      this.records += lineIds.length;
      for (const lineId of lineIds) {
        const copies = (this.copies.get(lineId) ?? 0) + 1;
        this.copies.set(lineId, copies);
        this.linesWithCopies[copies] = (this.linesWithCopies[copies] ?? 0) + 1;
      }
    });
  }
}

function lineIdOf(text: string): string {
  try {
    const lineId = (JSON.parse(text) as { lineId?: unknown }).lineId;
    // Unreadable records are reconcile's to report; here they count as one unknown line.
    return typeof lineId === 'string' ? lineId : '(unreadable)';
  } catch {
    return '(unreadable)';
  }
}

/** How far one Kinesis event-source mapping has committed, per shard. */
export interface ConsumerPosition {
  functionName: string;
  shards: Map<string, bigint>;
}

// Where the local event-source mappings keep their checkpoints (see local-platform's event-source-mapping README).
const CHECKPOINTS_FOLDER = 'kinesis-event-source-mappings';

/**
 * The committed position of every mapping on the stream, from its checkpoint snapshot and journal in the platform's
 * state directory. A commit comes after the function returned, so a position is what the function has finished
 * writing. Positions only move forward, so the furthest of snapshot and journal is taken: a snapshot being rewritten
 * alongside a journal not yet truncated then reads right too.
 */
export async function readConsumerPositions(stateDir: string, streamArn: string): Promise<ConsumerPosition[]> {
  const folder = path.join(stateDir, CHECKPOINTS_FOLDER);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return [];
  }
  const positions = await Promise.all(
    names
      .filter((name) => name.endsWith('.json'))
      .map(async (name): Promise<ConsumerPosition | undefined> => {
        let snapshot: MappingCheckpoints;
        try {
          snapshot = JSON.parse(await readFile(path.join(folder, name), 'utf8')) as MappingCheckpoints;
        } catch {
          return undefined;
        }
        if (snapshot.streamArn !== streamArn) return undefined;
        const shards = new Map<string, bigint>();
        const advance = (shardId: string, sequenceNumber: string | undefined) => {
          if (sequenceNumber === undefined || !/^\d+$/.test(sequenceNumber)) return;
          const position = BigInt(sequenceNumber);
          if (position > (shards.get(shardId) ?? -1n)) shards.set(shardId, position);
        };
        for (const [shardId, checkpoint] of Object.entries(snapshot.shards))
          advance(shardId, checkpoint.sequenceNumber);
        const journal = await readFile(path.join(folder, name.replace(/\.json$/, '.journal')), 'utf8').catch(() => '');
        for (const line of journal.split('\n')) {
          try {
            const commit = JSON.parse(line) as { shardId?: unknown; sequenceNumber?: unknown };
            if (typeof commit.shardId === 'string' && typeof commit.sequenceNumber === 'string')
              advance(commit.shardId, commit.sequenceNumber);
          } catch {
            // An empty last line, or one being appended.
          }
        }
        return { functionName: snapshot.functionName, shards };
      }),
  );
  return positions.filter((position): position is ConsumerPosition => position !== undefined);
}
