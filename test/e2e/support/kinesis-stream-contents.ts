import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { createLocalAwsClients, type StackFile } from '@retail/local-platform';

export interface StreamRecord {
  shardId: string;
  partitionKey: string;
  sequenceNumber: string;
  data: string;
}

/** Every record on the platform's stream, shard by shard in sequence order; reads each shard until a call returns none. */
export async function readWholeStream(stack: StackFile): Promise<StreamRecord[]> {
  const stream = Object.values(stack.resources.streams)[0];
  if (!stream) throw new Error('the platform has no stream');
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  const { kinesis } = clients;
  try {
    const records: StreamRecord[] = [];
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream.name }));
    for (const { ShardId } of Shards) {
      let { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: stream.name, ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      );
      while (ShardIterator) {
        const page = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
        for (const record of page.Records ?? []) {
          records.push({
            shardId: ShardId!,
            partitionKey: record.PartitionKey!,
            sequenceNumber: record.SequenceNumber!,
            data: Buffer.from(record.Data!).toString('utf8'),
          });
        }
        if ((page.Records ?? []).length === 0) break;
        ShardIterator = page.NextShardIterator;
      }
    }
    return records;
  } finally {
    clients.destroy();
  }
}
