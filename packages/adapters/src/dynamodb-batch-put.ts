import { setTimeout as sleep } from 'node:timers/promises';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from './map-with-concurrency';

export type DynamoDbItem = Record<string, unknown>;
/** All a batch writer needs of a document client; tests wrap a real one to make DynamoDB leave items unprocessed. */
export type DocumentClientSender = Pick<DynamoDBDocumentClient, 'send'>;

export interface BatchPutRetryPolicy {
  /** BatchWriteItem calls per group of items, the first one included. */
  maxAttempts: number;
  /** Full jitter: wait a random time up to min(maxDelayMs, baseDelayMs x 2^(retry - 1)). */
  baseDelayMs: number;
  maxDelayMs: number;
}

// About 4 s of waiting at most: a throttled table gets time to recover and the batch stays well inside its timeout.
export const DEFAULT_BATCH_PUT_RETRY: BatchPutRetryPolicy = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 1_000 };

export interface FailedPut {
  item: DynamoDbItem;
  reason: string;
}

export interface BatchPutTarget {
  client: DocumentClientSender;
  tableName: string;
  /** The table's partition and sort key attributes. */
  keyAttributes: readonly [string, string];
  retry: BatchPutRetryPolicy;
}

// BatchWriteItem takes at most 25 items and 16 MB; 25 items of at most 400 KB each cannot reach 16 MB.
const MAX_ITEMS_PER_CALL = 25;
const CALLS_IN_FLIGHT = 8;

/**
 * Puts whole items with BatchWriteItem, 25 at a time. Items with the same key are put once (the last one given),
 * because DynamoDB refuses a request that names a key twice. Items DynamoDB leaves unprocessed are sent again with
 * exponential backoff and jitter, at most `retry.maxAttempts` calls; what is still unwritten then is returned.
 */
export async function putItemsInBatches(target: BatchPutTarget, items: readonly DynamoDbItem[]): Promise<FailedPut[]> {
  const unique = [...lastItemPerKey(items, target.keyAttributes).values()];
  const groups: DynamoDbItem[][] = [];
  for (let start = 0; start < unique.length; start += MAX_ITEMS_PER_CALL) groups.push(unique.slice(start, start + MAX_ITEMS_PER_CALL));
  const failures = await mapWithConcurrency(groups, CALLS_IN_FLIGHT, (group) => putGroup(target, group));
  return failures.flat();
}

async function putGroup(target: BatchPutTarget, group: DynamoDbItem[]): Promise<FailedPut[]> {
  const { client, tableName, keyAttributes, retry } = target;
  let pending = group;
  for (let attempt = 1; ; attempt++) {
    let unprocessedKeys: string[];
    try {
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
      unprocessedKeys = (output.UnprocessedItems?.[tableName] ?? []).map((request) => keyOf(request.PutRequest?.Item ?? {}, keyAttributes));
    } catch (error) {
      // The SDK has already retried what is worth retrying (throttling, 5xx); the rest will not succeed by repeating.
      return pending.map((item) => ({ item, reason: `BatchWriteItem failed: ${(error as Error).message}` }));
    }
    if (unprocessedKeys.length === 0) return [];
    // Resend our own items, not DynamoDB's echo of them, so every attribute is marshalled the same way again.
    const byKey = lastItemPerKey(pending, keyAttributes);
    pending = unprocessedKeys.map((key) => byKey.get(key)).filter((item): item is DynamoDbItem => item !== undefined);
    if (attempt >= retry.maxAttempts) {
      return pending.map((item) => ({ item, reason: `DynamoDB left the item unprocessed in ${attempt} BatchWriteItem calls` }));
    }
    await sleep(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
  }
}

function lastItemPerKey(items: readonly DynamoDbItem[], keyAttributes: readonly [string, string]): Map<string, DynamoDbItem> {
  return new Map(items.map((item) => [keyOf(item, keyAttributes), item]));
}

function keyOf(item: DynamoDbItem, [partitionKey, sortKey]: readonly [string, string]): string {
  return JSON.stringify([item[partitionKey], item[sortKey]]);
}
