import { IngestApiError, type BatchOutcome } from './ingest-api-client';
import { batchInvoiceLines, type NumberedInvoiceLine } from './numbered-invoice-lines';
import { formatRowProblemGroups, RowProblemGroups, type RowProblemGroup } from './row-problem-groups';

export interface LoadProgress {
  /** Rows handed to the API: a batch is sent as soon as it is read. */
  rowsSent: number;
  accepted: number;
  rejectedRows: number;
  retries: number;
}

export interface LoadSummary extends LoadProgress {
  requests: number;
  rejectionReasons: RowProblemGroup[];
  elapsedMs: number;
  /** Why the load stopped before the end of the file, if it did. */
  stoppedBy: string | undefined;
}

export interface LoadInvoiceLinesInput {
  lines: AsyncIterable<NumberedInvoiceLine>;
  sendBatch: (batch: readonly NumberedInvoiceLine[]) => Promise<BatchOutcome>;
  batchSize: number;
  concurrency: number;
  onProgress?: (progress: Readonly<LoadProgress>) => void;
}

/**
 * Sends the lines in batches with at most `concurrency` requests in flight. The next batch is read only when a
 * request slot is free, so memory holds at most `concurrency` batches whatever the file's size. An error from
 * the client (wrong key, API down for good) or from the file (a malformed row) stops reading; batches in flight
 * are let finish and counted.
 */
export async function loadInvoiceLines(input: LoadInvoiceLinesInput): Promise<LoadSummary> {
  const started = performance.now();
  const progress: LoadProgress = { rowsSent: 0, accepted: 0, rejectedRows: 0, retries: 0 };
  const reasons = new RowProblemGroups();
  let requests = 0;
  let stoppedBy: string | undefined;
  const inFlight = new Set<Promise<void>>();
  // The request in flight for each invoice: a batch with lines of an invoice already in flight waits for it.
  const invoiceInFlight = new Map<string, Promise<void>>();

  try {
    for await (const batch of batchInvoiceLines(input.lines, input.batchSize)) {
      if (stoppedBy !== undefined) break;
      progress.rowsSent += batch.length;
      // An invoice cut across batches: a later part is sent after the earlier one, so its lines stay in order.
      const invoices = [...new Set(batch.map((line) => line.invoiceNo))];
      const earlierParts = invoices.flatMap((invoiceNo) => invoiceInFlight.get(invoiceNo) ?? []);
      const send = () => input.sendBatch(batch);
      const request: Promise<void> = (earlierParts.length > 0 ? Promise.all(earlierParts).then(send) : send())
        .then(
          (outcome) => {
            progress.accepted += outcome.accepted;
            progress.rejectedRows += outcome.rejectedRows;
            progress.retries += outcome.retries;
            requests += outcome.requests;
            for (const r of outcome.rejections) reasons.add(r.fileRow, r.field, r.message);
          },
          (error: unknown) => {
            if (error instanceof IngestApiError) requests += error.requests;
            stoppedBy ??= (error as Error).message;
          },
        )
        .finally(() => {
          inFlight.delete(request);
          for (const invoiceNo of invoices)
            if (invoiceInFlight.get(invoiceNo) === request) invoiceInFlight.delete(invoiceNo);
          input.onProgress?.(progress);
        });
      inFlight.add(request);
      for (const invoiceNo of invoices) invoiceInFlight.set(invoiceNo, request);
      input.onProgress?.(progress);
      if (inFlight.size >= input.concurrency) await Promise.race(inFlight);
    }
  } catch (error) {
    // The file cannot be read further (a malformed row): what was sent still counts, so report it.
    stoppedBy ??= (error as Error).message;
  }
  await Promise.all(inFlight);

  return { ...progress, requests, rejectionReasons: reasons.list(), elapsedMs: performance.now() - started, stoppedBy };
}

export function rowsNotAccepted(summary: LoadSummary): number {
  return summary.rowsSent - summary.accepted;
}

export function formatLoadSummary(summary: LoadSummary): string {
  const n = (value: number) => value.toLocaleString('en-GB');
  const seconds = summary.elapsedMs / 1000;
  const failed = summary.rowsSent - summary.accepted - summary.rejectedRows;
  const lines = [
    `rows sent       ${n(summary.rowsSent)} in ${n(summary.requests)} requests (${n(summary.retries)} retries)`,
    `accepted        ${n(summary.accepted)}`,
    `rejected        ${n(summary.rejectedRows)}`,
    ...formatRowProblemGroups(summary.rejectionReasons, '    '),
  ];
  if (failed > 0) lines.push(`not taken       ${n(failed)} (the API failed; re-running the load is safe)`);
  lines.push(
    `throughput      ${n(Math.round(summary.rowsSent / Math.max(seconds, 1e-3)))} rows/s over ${seconds.toFixed(1)} s`,
  );
  if (summary.stoppedBy !== undefined)
    lines.push(`stopped early   after sending ${n(summary.rowsSent)} rows: ${summary.stoppedBy}`);
  return lines.join('\n');
}
