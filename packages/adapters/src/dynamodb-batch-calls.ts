import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapWithConcurrency } from './map-with-concurrency';
import { sendRetryingFailedEntries, type RetryPolicy } from './retry';

export type DynamoDbItem = Record<string, unknown>;
/** All the batch calls need of a document client; tests wrap a real one to make DynamoDB leave items unprocessed. */
export type DocumentClientSender = Pick<DynamoDBDocumentClient, 'send'>;

// About 4 s of waiting at most: a throttled table gets time to recover and the batch stays well inside its timeout.
export const DEFAULT_BATCH_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 1_000 };

export interface FailedPut {
  item: DynamoDbItem;
  reason: string;
  /** DynamoDB refused the item itself as invalid (a ValidationException on it alone): putting it again cannot succeed. */
  refused?: true;
}

// What DynamoDB answers a request it will never accept as it is, e.g. an item over 400 KB or an empty key attribute.
const INVALID_REQUEST_ERRORS = new Set(['ValidationException']);

export interface BatchPutTarget {
  client: DocumentClientSender;
  tableName: string;
  /** The table's partition and sort key attributes. */
  keyAttributes: readonly [string, string];
  retry: RetryPolicy;
}

// BatchWriteItem takes at most 25 items and 16 MB; 25 items of at most 400 KB each cannot reach 16 MB.
const MAX_ITEMS_PER_CALL = 25;
const CALLS_IN_FLIGHT = 8;

/**
 * Puts whole items with BatchWriteItem, 25 at a time. Items with the same key are put once (the last one given),
 * because DynamoDB refuses a request that names a key twice. Items DynamoDB leaves unprocessed are sent again with
 * exponential backoff and jitter, at most `retry.maxAttempts` calls; what is still unwritten then is returned. A call
 * DynamoDB refuses as invalid is split into calls of one item, so that only the items it refuses alone are refused.
 */
export async function putItemsInBatches(target: BatchPutTarget, items: readonly DynamoDbItem[]): Promise<FailedPut[]> {
  const unique = [...lastItemPerKey(items, target.keyAttributes).values()];
  const groups: DynamoDbItem[][] = [];
  for (let start = 0; start < unique.length; start += MAX_ITEMS_PER_CALL)
    groups.push(unique.slice(start, start + MAX_ITEMS_PER_CALL));
  const failures = await mapWithConcurrency(groups, CALLS_IN_FLIGHT, (group) => putGroup(target, group));
  return failures.flat();
}

async function putGroup(target: BatchPutTarget, group: DynamoDbItem[]): Promise<FailedPut[]> {
  const { client, tableName, keyAttributes } = target;
  const { left, reason, error } = await untilAllProcessed(group, target.retry, 'BatchWriteItem', async (pending) => {
    const output = await client.send(
      new BatchWriteCommand({ RequestItems: { [tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }),
    );
    // Resend our own items, not DynamoDB's echo of them, so every attribute is marshalled the same way again.
    const byKey = lastItemPerKey(pending, keyAttributes);
    return (output.UnprocessedItems?.[tableName] ?? [])
      .map((request) => byKey.get(keyOf(request.PutRequest?.Item ?? {}, keyAttributes)))
      .filter((item): item is DynamoDbItem => item !== undefined);
  });
  if (error !== undefined && INVALID_REQUEST_ERRORS.has((error as Error).name)) {
    if (left.length === 1) return left.map((item) => ({ item, reason, refused: true }));
    // One item alone per call, so that the valid items go through: BatchWriteItem refuses a call as a whole.
    const alone = await mapWithConcurrency(left, CALLS_IN_FLIGHT, (item) => putGroup(target, [item]));
    return alone.flat();
  }
  return left.map((item) => ({ item, reason }));
}

export interface BatchGetTarget {
  client: DocumentClientSender;
  tableName: string;
  retry: RetryPolicy;
}

// BatchGetItem takes at most 100 keys (and returns at most 16 MB, which 100 items of at most 400 KB stay under).
const MAX_KEYS_PER_GET = 100;

/**
 * Strongly consistent BatchGetItem of every key, 100 at a time, sending the keys DynamoDB leaves unprocessed again
 * like putItemsInBatches; found items are returned, and keys still unread after the last attempt throw.
 */
export async function getItemsInBatches(
  target: BatchGetTarget,
  keys: readonly DynamoDbItem[],
): Promise<DynamoDbItem[]> {
  const { client, tableName } = target;
  const groups: DynamoDbItem[][] = [];
  for (let start = 0; start < keys.length; start += MAX_KEYS_PER_GET)
    groups.push(keys.slice(start, start + MAX_KEYS_PER_GET));
  const found = await mapWithConcurrency(groups, CALLS_IN_FLIGHT, async (group) => {
    const items: DynamoDbItem[] = [];
    const { left, reason } = await untilAllProcessed(group, target.retry, 'BatchGetItem', async (pending) => {
      const output = await client.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(output.Responses?.[tableName] ?? []));
      return output.UnprocessedKeys?.[tableName]?.Keys ?? [];
    });
    if (left.length > 0) throw new Error(`${left.length} of ${group.length} keys not read: ${reason}`);
    return items;
  });
  return found.flat();
}

/**
 * Calls `send` with the requests until it leaves none unprocessed, at most `retry.maxAttempts` calls with full
 * jitter between them; returns the requests still unprocessed, why, and what the last call threw if it threw. A call
 * that throws is not repeated here: the SDK has already retried what is worth retrying (throttling, 5xx).
 */
async function untilAllProcessed<T>(
  requests: T[],
  retry: RetryPolicy,
  operation: string,
  send: (pending: T[]) => Promise<T[]>,
): Promise<{ left: T[]; reason: string; error?: unknown }> {
  const { failed, calls, error } = await sendRetryingFailedEntries(requests, retry, send);
  if (error !== undefined)
    return {
      left: failed,
      reason: `${operation} failed: ${(error as Error).name}: ${(error as Error).message}`,
      error,
    };
  if (failed.length === 0) return { left: [], reason: '' };
  return { left: failed, reason: `DynamoDB left the item unprocessed in ${calls} ${operation} calls` };
}

function lastItemPerKey(
  items: readonly DynamoDbItem[],
  keyAttributes: readonly [string, string],
): Map<string, DynamoDbItem> {
  return new Map(items.map((item) => [keyOf(item, keyAttributes), item]));
}

function keyOf(item: DynamoDbItem, [partitionKey, sortKey]: readonly [string, string]): string {
  return JSON.stringify([item[partitionKey], item[sortKey]]);
}
