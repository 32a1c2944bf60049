import type {
  FirehoseClient,
  PutRecordBatchCommandInput,
  PutRecordBatchCommandOutput,
  PutRecordBatchResponseEntry,
} from '@aws-sdk/client-firehose';

export interface PutRecordBatchCall {
  /** lineId of every record the caller sent in this call, in order. */
  sent: string[];
  /** Bytes of record data in this call. */
  bytes: number;
  /** lineId of the records this middleware refused. */
  refused: string[];
}

/**
 * Makes a real client's PutRecordBatch refuse chosen entries the way Firehose does when throttled: the call succeeds,
 * FailedPutCount counts them and each carries an ErrorCode. Refused entries never reach the emulator; the rest do.
 * `refuse` sees the record's payload and the 1-based number of the call.
 */
export function refusePutRecordBatchEntries(
  client: FirehoseClient,
  refuse: (payload: { lineId: string }, call: number) => boolean,
): PutRecordBatchCall[] {
  const calls: PutRecordBatchCall[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordBatchCommand') return next(args);
      const input = args.input as PutRecordBatchCommandInput;
      const payloads = input.Records!.map(
        (r) => JSON.parse(Buffer.from(r.Data!).toString('utf8')) as { lineId: string },
      );
      const refusedAt = new Set(payloads.flatMap((p, i) => (refuse(p, calls.length + 1) ? [i] : [])));
      calls.push({
        sent: payloads.map((p) => p.lineId),
        bytes: input.Records!.reduce((sum, r) => sum + r.Data!.length, 0),
        refused: payloads.filter((_, i) => refusedAt.has(i)).map((p) => p.lineId),
      });
      const passed = input.Records!.filter((_, i) => !refusedAt.has(i));
      const real =
        passed.length > 0
          ? ((await next({ ...args, input: { ...input, Records: passed } })).output as PutRecordBatchCommandOutput)
          : undefined;
      const realResults = [...(real?.RequestResponses ?? [])];
      const RequestResponses: PutRecordBatchResponseEntry[] = input.Records!.map((_, i) =>
        refusedAt.has(i)
          ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down. (refused by the test)' }
          : realResults.shift()!,
      );
      const output: PutRecordBatchCommandOutput = {
        $metadata: real?.$metadata ?? {},
        FailedPutCount: (real?.FailedPutCount ?? 0) + refusedAt.size,
        RequestResponses,
      };
      return { output, response: undefined } as never;
    },
    { step: 'initialize', name: 'refusePutRecordBatchEntries' },
  );
  return calls;
}
