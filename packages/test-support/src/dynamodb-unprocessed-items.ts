import {
  BatchGetCommand,
  BatchWriteCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { DocumentClientSender, DynamoDbItem } from '@retail/adapters';

export interface BatchWriteCall {
  /** Every item the caller put in this call, in order. */
  sent: DynamoDbItem[];
  /** The items this wrapper held back and returned as UnprocessedItems. */
  leftUnprocessed: DynamoDbItem[];
}

/**
 * Wraps a real document client so BatchWriteItem leaves chosen items unprocessed the way DynamoDB does when a
 * partition is throttled: the call succeeds, the chosen put requests come back in UnprocessedItems and never reach
 * the table, the others are written for real. `leave` sees each item and the 1-based number of the call.
 */
export function leaveItemsUnprocessed(
  client: DocumentClientSender,
  leave: (item: DynamoDbItem, call: number) => boolean,
): { sender: DocumentClientSender; calls: BatchWriteCall[] } {
  const calls: BatchWriteCall[] = [];
  const send = async (command: unknown) => {
    if (!(command instanceof BatchWriteCommand)) return client.send(command as never);
    const [[tableName, requests]] = Object.entries(
      command.input.RequestItems as NonNullable<BatchWriteCommandInput['RequestItems']>,
    ) as [[string, NonNullable<BatchWriteCommandInput['RequestItems']>[string]]];
    const call = calls.length + 1;
    const held = requests.filter((request) => leave(request.PutRequest!.Item!, call));
    const passed = requests.filter((request) => !held.includes(request));
    calls.push({
      sent: requests.map((r) => r.PutRequest!.Item!),
      leftUnprocessed: held.map((r) => r.PutRequest!.Item!),
    });
    const real: Partial<BatchWriteCommandOutput> =
      passed.length > 0 ? await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: passed } })) : {};
    const unprocessed = [...(real.UnprocessedItems?.[tableName] ?? []), ...held];
    return {
      $metadata: real.$metadata ?? {},
      UnprocessedItems: unprocessed.length > 0 ? { [tableName]: unprocessed } : {},
    };
  };
  return { sender: { send } as unknown as DocumentClientSender, calls };
}

/**
 * Wraps a real document client so BatchGetItem leaves chosen keys unprocessed, as DynamoDB does when throttled: those
 * keys come back in UnprocessedKeys and are not read, the others are read for real. Returns the keys of each call.
 */
export function leaveKeysUnprocessed(
  client: DocumentClientSender,
  leave: (key: DynamoDbItem, call: number) => boolean,
): { sender: DocumentClientSender; calls: DynamoDbItem[][] } {
  const calls: DynamoDbItem[][] = [];
  const send = async (command: unknown) => {
    if (!(command instanceof BatchGetCommand)) return client.send(command as never);
    const [[tableName, request]] = Object.entries(
      command.input.RequestItems as NonNullable<BatchGetCommandInput['RequestItems']>,
    ) as [[string, NonNullable<BatchGetCommandInput['RequestItems']>[string]]];
    const keys = request.Keys ?? [];
    calls.push(keys);
    const held = keys.filter((key) => leave(key, calls.length));
    const passed = keys.filter((key) => !held.includes(key));
    const real: Partial<BatchGetCommandOutput> =
      passed.length > 0
        ? await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { ...request, Keys: passed } } }))
        : {};
    return {
      $metadata: real.$metadata ?? {},
      Responses: real.Responses ?? { [tableName]: [] },
      UnprocessedKeys: held.length > 0 ? { [tableName]: { ...request, Keys: held } } : {},
    };
  };
  return { sender: { send } as unknown as DocumentClientSender, calls };
}
