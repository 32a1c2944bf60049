import { cpus, totalmem } from 'node:os';
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { openCsvFile, readInvoiceLineCsv, readInvoiceLines, type CsvInvoiceRow } from '@retail/domain';
import {
  IngestApiClient,
  type IngestApiTarget,
  loadInvoiceLines,
  type LoadSummary,
  batchInvoiceLines,
  numberInvoiceLines,
  startFileProgress,
} from '@retail/cli';

export interface Throughput {
  items: number;
  failed: number;
  elapsedMs: number;
  perSecond: number;
}

function throughput(items: number, failed: number, elapsedMs: number): Throughput {
  return { items, failed, elapsedMs, perSecond: items / Math.max(elapsedMs / 1000, 1e-3) };
}

// Kinesis PutRecords takes at most 500 records per call.
const PUT_RECORDS_LIMIT = 500;

/**
 * The records the ingest API puts on the stream for the file's first `count` rows: the canonical event as JSON,
 * partitioned by invoice, so the bound is measured with records of the data set's real size.
 */
export async function invoiceLineRecords(file: string, count: number): Promise<PutRecordsRequestEntry[]> {
  const rows = await readFirstRows(file, count);
  const records: PutRecordsRequestEntry[] = [];
  for await (const batch of batchInvoiceLines(numberInvoiceLines(asAsync(rows)), PUT_RECORDS_LIMIT)) {
    const read = readInvoiceLines(
      batch.map((line) => line.values),
      batch[0]!.fileRow,
    );
    if (!read.ok)
      throw new Error(`${file} has invalid rows near row ${batch[0]!.fileRow}: ${read.problems[0]!.message}`);
    for (const event of read.lines)
      records.push({ Data: Buffer.from(JSON.stringify(event)), PartitionKey: event.invoiceNo });
  }
  return records;
}

/** PutRecords of 500 straight to the emulator, `concurrency` calls in flight: what the API can at best approach. */
export async function measurePutRecords(
  kinesis: KinesisClient,
  streamName: string,
  records: readonly PutRecordsRequestEntry[],
  concurrency: number,
): Promise<Throughput> {
  const calls: PutRecordsRequestEntry[][] = [];
  for (let i = 0; i < records.length; i += PUT_RECORDS_LIMIT) calls.push(records.slice(i, i + PUT_RECORDS_LIMIT));
  // One unmeasured call per worker first, so the bound is kinesalite's steady rate, not its start-up.
  await Promise.all(
    calls
      .slice(0, concurrency)
      .map((Records) => kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records }))),
  );
  let next = 0;
  let failed = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < calls.length) {
      const Records = calls[next++]!;
      const answer = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records }));
      failed += answer.FailedRecordCount ?? 0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return throughput(records.length - failed, failed, performance.now() - started);
}

/**
 * Requests that reach the Lambda without writing anything (an empty array is refused with 400), `concurrency` at a
 * time, so the measured runs do not include serverless-offline loading the handler into each worker.
 */
export async function warmUpApi(api: IngestApiTarget, concurrency: number): Promise<void> {
  const endpoint = `${api.apiUrl.replace(/\/+$/, '')}/invoice-lines`;
  const post = () =>
    fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': api.apiKey },
      body: '[]',
    }).then((r) => r.text());
  for (let round = 0; round < 2; round++) await Promise.all(Array.from({ length: concurrency }, post));
}

/** The whole file through the API with the loader's own pipeline (`npm run load`). */
export async function measureApiLoad(
  api: IngestApiTarget,
  file: string,
  batchSize: number,
  concurrency: number,
): Promise<LoadSummary> {
  const client = new IngestApiClient(api);
  const bytes = openCsvFile(file);
  const progress = startFileProgress(file, bytes, 'load');
  try {
    return await loadInvoiceLines({
      lines: numberInvoiceLines(readInvoiceLineCsv(bytes)),
      sendBatch: (batch) => client.sendBatch(batch),
      batchSize,
      concurrency,
      onProgress: (p) => progress.update({ rows: p.rowsSent, accepted: p.accepted, rejected: p.rejectedRows }),
    });
  } finally {
    progress.stop();
  }
}

/**
 * The course's client: one row per POST as a JSON object with the data set's column names, no Content-Type, no
 * LineNo, one request at a time. Without LineNo the API identifies these rows by content, so they land beside the
 * loader's copies of the same lines: harmless in the bench's throw-away platform.
 */
export async function measureOneRowPerRequest(api: IngestApiTarget, file: string, rows: number): Promise<Throughput> {
  const endpoint = `${api.apiUrl.replace(/\/+$/, '')}/invoice-lines`;
  const slice = (await readFirstRows(file, rows)).map((row) => row.record);
  let failed = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  for (const record of slice) {
    // A Buffer body makes fetch send no Content-Type, as the course's client does.
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-api-key': api.apiKey },
      body: Buffer.from(JSON.stringify(record)),
    });
    const text = await response.text();
    if (!response.ok) {
      failed++;
      firstFailure ??= `${response.status} ${text.slice(0, 200)}`;
    }
  }
  const result = throughput(slice.length - failed, failed, performance.now() - started);
  if (firstFailure !== undefined)
    console.error(`one-row client: ${failed} of ${slice.length} requests failed, first: ${firstFailure}`);
  return result;
}

/**
 * The first rows of a file. The stream is left to the garbage collector, not destroyed: destroying it under the
 * domain's reader makes the reader's inner stream emit an unhandled ERR_STREAM_PREMATURE_CLOSE.
 */
async function readFirstRows(file: string, count: number): Promise<CsvInvoiceRow[]> {
  const rows: CsvInvoiceRow[] = [];
  for await (const row of readInvoiceLineCsv(openCsvFile(file))) {
    rows.push(row);
    if (rows.length >= count) break;
  }
  return rows;
}

async function* asAsync<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

export function describeMachine(): string {
  const cores = cpus();
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, ${gib} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
}
