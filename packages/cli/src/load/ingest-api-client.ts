import { setTimeout as sleep } from 'node:timers/promises';
import type { NumberedInvoiceLine } from './numbered-invoice-lines';

/** Where to send invoice lines: a local platform's API or a deployed stage's. */
export interface IngestApiTarget {
  apiUrl: string;
  apiKey: string;
}

/** One reason the API gave for refusing one row, with the row's number in the file. */
export interface RejectedRow {
  fileRow: number;
  field: string;
  message: string;
}

export interface BatchOutcome {
  /** Rows of the batch (each counted once, however often it was re-sent). */
  sent: number;
  accepted: number;
  /** Distinct rows the API refused as invalid. */
  rejectedRows: number;
  /** Every reason given, possibly several per row. */
  rejections: RejectedRow[];
  requests: number;
  retries: number;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  /** Upper bound of any wait, Retry-After included, so a hostile or broken header cannot stall the load. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 250, maxDelayMs: 30_000 };

/** The load cannot go on: wrong URL or key, or the API kept failing. The message says what to do. */
export class IngestApiError extends Error {
  override readonly name = 'IngestApiError';

  constructor(
    message: string,
    /** Requests made for the batch before giving up, for the load's summary. */
    readonly requests = 0,
  ) {
    super(message);
  }
}

type Answer = { kind: 'accepted' } | { kind: 'invalid'; problems: ApiProblem[]; body: string } | { kind: 'too-large' };

interface ApiProblem {
  row: number | undefined;
  field: string;
  message: string;
}

/**
 * Client of `POST /invoice-lines`. Re-sending rows is safe (each carries its LineNo, so the API gives it the same
 * line id), which is what makes retrying 429, 5xx and network errors correct. A 400 names the invalid rows and
 * writes nothing: those rows are reported and the rest of the batch is sent again. A 413 splits the batch.
 */
export class IngestApiClient {
  private readonly endpoint: string;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly target: IngestApiTarget,
    options: { retry?: Partial<RetryPolicy>; requestTimeoutMs?: number } = {},
  ) {
    this.endpoint = `${target.apiUrl.replace(/\/+$/, '')}/invoice-lines`;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  }

  async sendBatch(lines: readonly NumberedInvoiceLine[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = {
      sent: lines.length,
      accepted: 0,
      rejectedRows: 0,
      rejections: [],
      requests: 0,
      retries: 0,
    };
    await this.sendInto(lines, outcome);
    return outcome;
  }

  private async sendInto(lines: readonly NumberedInvoiceLine[], outcome: BatchOutcome): Promise<void> {
    if (lines.length === 0) return;
    const answer = await this.postWithRetries(lines, outcome);
    if (answer.kind === 'accepted') {
      outcome.accepted += lines.length;
    } else if (answer.kind === 'too-large') {
      if (lines.length === 1) {
        reject(outcome, lines, [
          { row: 1, field: '', message: 'the row alone is larger than the API accepts in one request (413)' },
        ]);
        return;
      }
      const half = Math.ceil(lines.length / 2);
      await this.sendInto(lines.slice(0, half), outcome);
      await this.sendInto(lines.slice(half), outcome);
    } else {
      const named = new Set(
        answer.problems
          .map((p) => p.row)
          .filter((row): row is number => row !== undefined && row >= 1 && row <= lines.length),
      );
      if (named.size === 0) {
        // A 400 that names no row of this batch refuses the request as a whole: nothing to keep.
        const problems =
          answer.problems.length > 0
            ? answer.problems
            : [{ row: undefined, field: '', message: `the request was refused (400): ${messageOf(answer.body)}` }];
        reject(
          outcome,
          lines,
          lines.flatMap((_, index) => problems.map((p) => ({ ...p, row: index + 1 }))),
        );
        return;
      }
      reject(
        outcome,
        lines,
        answer.problems.filter((p) => p.row !== undefined && named.has(p.row)),
      );
      await this.sendInto(
        lines.filter((_, index) => !named.has(index + 1)),
        outcome,
      );
    }
  }

  private async postWithRetries(lines: readonly NumberedInvoiceLine[], outcome: BatchOutcome): Promise<Answer> {
    const body = JSON.stringify(lines.map((line) => line.values));
    let lastFailure = '';
    let delayMs = 0;
    for (let attempt = 1; attempt <= this.retry.maxAttempts; attempt++) {
      if (attempt > 1) {
        outcome.retries++;
        await sleep(delayMs);
      }
      outcome.requests++;
      let status: number;
      let text: string;
      let retryAfter: string | null;
      try {
        const response = await fetch(this.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': this.target.apiKey },
          body,
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        text = await response.text();
      } catch (error) {
        lastFailure = describeNetworkError(error);
        delayMs = this.backoffMs(attempt);
        continue;
      }
      if (status >= 200 && status < 300) return { kind: 'accepted' };
      if (status === 400) return { kind: 'invalid', problems: parseProblems(text), body: text };
      if (status === 413) return { kind: 'too-large' };
      if (status === 429 || status >= 500) {
        lastFailure = `${status} ${snippet(text)}`;
        delayMs = this.retryAfterMs(retryAfter) ?? this.backoffMs(attempt);
        continue;
      }
      throw new IngestApiError(this.refusal(status, text), outcome.requests);
    }
    const rows = `file rows ${lines[0]!.fileRow}-${lines[lines.length - 1]!.fileRow}`;
    throw new IngestApiError(
      `the ingest API at ${this.endpoint} did not take ${lines.length} rows (${rows}) in ${this.retry.maxAttempts} attempts; last answer: ${lastFailure}. ` +
        'Re-running the load is safe: every line keeps its id.',
      outcome.requests,
    );
  }

  /** Exponential, with jitter so concurrent batches do not retry in lockstep. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  private retryAfterMs(header: string | null): number | undefined {
    if (header === null) return undefined;
    const seconds = Number(header.trim());
    const ms = header.trim() !== '' && Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    if (Number.isNaN(ms)) return undefined;
    return Math.min(this.retry.maxDelayMs, Math.max(0, ms));
  }

  private refusal(status: number, text: string): string {
    if (status === 401 || status === 403) {
      return `the ingest API at ${this.endpoint} refused the API key (${status}): pass the stage's key with --api-key or RETAIL_API_KEY (locally it is apiKey in .local/stack.json)`;
    }
    if (status === 404) {
      return `there is no ingest API at ${this.endpoint} (404): check --api-url or RETAIL_API_URL, or start the local platform with npm start`;
    }
    return `the ingest API at ${this.endpoint} answered ${status}, which the loader does not retry: ${snippet(text)}`;
  }
}

function reject(outcome: BatchOutcome, lines: readonly NumberedInvoiceLine[], problems: readonly ApiProblem[]): void {
  const rows = new Set<number>();
  for (const problem of problems) {
    const line = lines[(problem.row ?? 1) - 1]!;
    rows.add(line.fileRow);
    outcome.rejections.push({ fileRow: line.fileRow, field: problem.field, message: problem.message });
  }
  outcome.rejectedRows += rows.size;
}

function parseProblems(text: string): ApiProblem[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [];
  }
  const problems = (body as { problems?: unknown })?.problems;
  if (!Array.isArray(problems)) return [];
  return problems.map((p: { row?: unknown; field?: unknown; message?: unknown }) => ({
    row: typeof p?.row === 'number' && Number.isInteger(p.row) ? p.row : undefined,
    field: typeof p?.field === 'string' ? p.field : '',
    message: typeof p?.message === 'string' ? p.message : JSON.stringify(p),
  }));
}

/** The API's own `message`, else the start of the body. */
function messageOf(text: string): string {
  try {
    const message = (JSON.parse(text) as { message?: unknown })?.message;
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the body itself says what went wrong.
  }
  return snippet(text);
}

function describeNetworkError(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'no answer within the request timeout';
  return `network error: ${err.cause?.code ?? err.cause?.message ?? err.message}`;
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine || '(empty body)';
}
