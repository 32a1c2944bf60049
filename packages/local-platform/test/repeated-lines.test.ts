import { RepeatedLines } from '../src/repeated-lines';

// What stream-to-dynamo prints for an invoice it could not write (Powertools JSON, one line per invoice).
const invoiceNotSaved = (invoiceNo: number) =>
  JSON.stringify({
    level: 'ERROR',
    message: 'Invoice not saved; its records are reported for retry',
    timestamp: '2026-12-07T10:20:50.337Z',
    function_request_id: `e47f5b2a-45fd-46a9-bcdb-${String(invoiceNo).padStart(12, '0')}`,
    invoiceNo: String(invoiceNo),
    reason: `line ${invoiceNo}:1 not stored: BatchWriteItem failed: connect ECONNREFUSED 127.0.0.1:4568`,
  });

function repeatedLines() {
  const printed: string[] = [];
  let now = 0;
  const lines = new RepeatedLines({ print: (line) => printed.push(line), now: () => now });
  lines.nameAddress('127.0.0.1:4568', 'dynalite');
  return { lines, printed, advance: (ms: number) => (now += ms) };
}

describe('repeated lines on the terminal', () => {
  it('prints the first error of a kind, then how many more came in each window', () => {
    const { lines, printed, advance } = repeatedLines();
    for (let invoiceNo = 536365; invoiceNo < 536365 + 1_044; invoiceNo += 1)
      lines.serviceLine(
        'stream-to-dynamo',
        invoiceNotSaved(invoiceNo),
        `[stream-to-dynamo] ${invoiceNotSaved(invoiceNo)}`,
      );
    lines.serviceLine('stream-to-dynamo', 'POST /invoice-lines (λ: putInvoiceLines)', '[stream-to-dynamo] request');
    advance(9_999);
    lines.flush();
    expect(printed).toEqual([`[stream-to-dynamo] ${invoiceNotSaved(536365)}`, '[stream-to-dynamo] request']);

    advance(1);
    lines.flush();
    expect(printed.slice(2)).toEqual([
      'stream-to-dynamo: 1,043 x "Invoice not saved; its records are reported for retry ... line 536365:1 not stored: ' +
        'BatchWriteItem failed: connect ECONNREFUSED 127.0.0.1:4568 (dynalite)" in 10 s',
    ]);

    // A window without one: the kind is forgotten, and the next is printed in full again.
    advance(10_000);
    lines.flush();
    lines.serviceLine('stream-to-dynamo', invoiceNotSaved(1), 'again');
    expect(printed.slice(3)).toEqual(['again']);
  });

  it("hides the stack of serverless-offline's errors it counts, and tells functions and messages apart", () => {
    const { lines, printed, advance } = repeatedLines();
    const thrown = (records: number) => [
      `× Error: Batch of ${records} records not saved: connect ECONNREFUSED 127.0.0.1:4568`,
      '      at handler (/work/fail-every-batch.ts:10:9)',
      '      at InProcessRunner.run (file:///work/InProcessRunner.js:97:20)',
    ];
    for (const records of [100, 50, 50, 25])
      for (const line of thrown(records)) lines.serviceLine('failing-consumer', line, line);
    lines.serviceLine('failing-consumer', '× Unhandled exception in handler', 'other kind');
    lines.serviceLine('stream-to-s3', thrown(7)[0] ?? '', 'other function');
    lines.serviceLine('failing-consumer', 'Offline [http for lambda] listening', 'not an error');
    advance(10_000);
    lines.flush();
    expect(printed).toEqual([
      ...thrown(100),
      'other kind',
      'other function',
      'not an error',
      'failing-consumer: 3 x "Error: Batch of 100 records not saved: connect ECONNREFUSED 127.0.0.1:4568 (dynalite)" in 10 s',
    ]);
  });

  it("counts the platform's own warnings by their first line, and shortens what it quotes", () => {
    const { lines, printed, advance } = repeatedLines();
    const warning = (retry: number) =>
      `kinesis s/shardId-000000000001 -> f: batch of 1 records 4968${retry}..4968${retry} failed: ${'x'.repeat(300)}; retry ${retry} in ${200 * retry} ms.`;
    for (const retry of [1, 2, 3]) lines.warning(warning(retry), `warning: ${warning(retry)}`);
    advance(12_000);
    lines.flush();
    expect(printed[0]).toBe(`warning: ${warning(1)}`);
    expect(printed[1]).toMatch(
      /^warning: 2 x "kinesis s\/shardId-000000000001 -> f: batch of 1 records 49681\.\.49681 failed: x* \.\.\. x+; retry 1 in 200 ms\." in 12 s$/,
    );
    expect(printed[1]?.length).toBeLessThan(200);
  });

  it('keeps a bounded number of kinds: beyond them, lines are printed as they come', () => {
    const printed: string[] = [];
    const lines = new RepeatedLines({ print: (line) => printed.push(line), maxKinds: 2 });
    for (const word of ['alpha', 'beta', 'gamma', 'gamma', 'alpha']) lines.warning(`${word} failed`, `${word} failed`);
    expect(printed).toEqual(['alpha failed', 'beta failed', 'gamma failed', 'gamma failed']);
  });
});
