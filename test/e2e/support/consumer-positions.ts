import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MappingCheckpoints } from '@retail/local-platform';

// Where the local event-source mappings keep their checkpoints (packages/local-platform/src/event-source-mapping).
const CHECKPOINTS_FOLDER = 'kinesis-event-source-mappings';

/**
 * How far each Kinesis event-source mapping of the platform has committed, by function and shard: its checkpoint
 * snapshot, then its journal of commits since (positions only move forward, so the furthest is taken). A commit comes
 * once the function has returned for the records up to it (or they went to the on-failure destination).
 */
export async function readConsumerPositions(stateDir: string): Promise<Record<string, Record<string, string>>> {
  const folder = path.join(stateDir, CHECKPOINTS_FOLDER);
  const names = (await readdir(folder)).filter((name) => name.endsWith('.json'));
  const positions: Record<string, Record<string, string>> = {};
  for (const name of names) {
    const snapshot = JSON.parse(await readFile(path.join(folder, name), 'utf8')) as MappingCheckpoints;
    const shards: Record<string, string> = {};
    const advance = (shardId: unknown, sequenceNumber: unknown) => {
      if (typeof shardId !== 'string' || typeof sequenceNumber !== 'string' || !/^\d+$/.test(sequenceNumber)) return;
      const known = shards[shardId];
      if (known === undefined || BigInt(sequenceNumber) > BigInt(known)) shards[shardId] = sequenceNumber;
    };
    for (const [shardId, checkpoint] of Object.entries(snapshot.shards)) advance(shardId, checkpoint.sequenceNumber);
    const journal = await readFile(path.join(folder, name.replace(/\.json$/, '.journal')), 'utf8').catch(() => '');
    for (const line of journal.split('\n')) {
      try {
        const commit = JSON.parse(line) as { shardId?: unknown; sequenceNumber?: unknown };
        advance(commit.shardId, commit.sequenceNumber);
      } catch {
        // An empty last line, or one being appended.
      }
    }
    positions[snapshot.functionName] = shards;
  }
  return positions;
}
