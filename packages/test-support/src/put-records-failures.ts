import type {
  KinesisClient,
  PutRecordsCommandInput,
  PutRecordsCommandOutput,
  PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';

export interface PutRecordsCall {
  /** lineId of every record the caller sent in this call, in order. */
  sent: string[];
  /** lineId of the records this middleware refused. */
  refused: string[];
}

/**
 * Makes a real client's PutRecords refuse chosen entries the way Kinesis does under throttling: the call succeeds,
 * FailedRecordCount counts them and each carries an ErrorCode. Refused entries never reach the emulator; the rest
 * do. `refuse` sees the record's payload and the 1-based number of the call.
 */
export function refusePutRecordsEntries(
  client: KinesisClient,
  refuse: (payload: { lineId: string; invoiceNo: string }, call: number) => boolean,
): PutRecordsCall[] {
  const calls: PutRecordsCall[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const input = args.input as PutRecordsCommandInput;
      const payloads = input.Records!.map(
        (r) => JSON.parse(Buffer.from(r.Data!).toString('utf8')) as { lineId: string; invoiceNo: string },
      );
      const refusedAt = new Set(payloads.flatMap((p, i) => (refuse(p, calls.length + 1) ? [i] : [])));
      calls.push({
        sent: payloads.map((p) => p.lineId),
        refused: payloads.filter((_, i) => refusedAt.has(i)).map((p) => p.lineId),
      });
      const passed = input.Records!.filter((_, i) => !refusedAt.has(i));
      const real =
        passed.length > 0
          ? ((await next({ ...args, input: { ...input, Records: passed } })).output as PutRecordsCommandOutput)
          : undefined;
      const realResults = [...(real?.Records ?? [])];
      const Records: PutRecordsResultEntry[] = input.Records!.map((_, i) =>
        refusedAt.has(i)
          ? {
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: 'Rate exceeded for shard (refused by the test)',
            }
          : realResults.shift()!,
      );
      const output: PutRecordsCommandOutput = {
        $metadata: real?.$metadata ?? {},
        FailedRecordCount: (real?.FailedRecordCount ?? 0) + refusedAt.size,
        Records,
      };
      return { output, response: undefined } as never;
    },
    { step: 'initialize', name: 'refusePutRecordsEntries' },
  );
  return calls;
}
