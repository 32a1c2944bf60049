import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IngestApiClient, IngestApiError } from '../../src/load/ingest-api-client';
import type { NumberedInvoiceLine } from '../../src/load/numbered-invoice-lines';

interface ReceivedRequest {
  path: string | undefined;
  headers: IncomingMessage['headers'];
  rows: Record<string, unknown>[];
  at: number;
}

type Answer = (request: ReceivedRequest, index: number, res: ServerResponse) => void;

/** A stand-in for the ingest API that answers each request with `answer` and records what it received. */
async function startApi(answer: Answer): Promise<{ url: string; received: ReceivedRequest[]; server: Server }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        path: req.url,
        headers: req.headers,
        rows: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[],
        at: Date.now(),
      };
      received.push(request);
      answer(request, received.length - 1, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/local`, received, server };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** Rows as the loader sends them, numbered from file row `firstRow`. */
function lines(count: number, firstRow = 1): NumberedInvoiceLine[] {
  return Array.from({ length: count }, (_, i) => ({
    fileRow: firstRow + i,
    invoiceNo: '536365',
    values: {
      InvoiceNo: '536365',
      StockCode: '71053',
      Description: 'WHITE METAL LANTERN',
      Quantity: '6',
      InvoiceDate: '12/1/2010 8:26',
      UnitPrice: '3.39',
      CustomerID: '17850',
      Country: 'United Kingdom',
      LineNo: i + 1,
    },
  }));
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function api(answer: Answer) {
  const started = await startApi(answer);
  servers.push(started.server);
  return started;
}

describe('ingest API client', () => {
  it('re-sends the same rows after a 503, waiting as long as Retry-After says', async () => {
    const { url, received } = await api((_, index, res) =>
      index === 0
        ? json(res, 503, { message: 'stream busy' }, { 'retry-after': '1' })
        : json(res, 200, { accepted: 3 }),
    );
    const client = new IngestApiClient({ apiUrl: url, apiKey: 'test-key' });

    const outcome = await client.sendBatch(lines(3, 41));

    expect(outcome).toMatchObject({ sent: 3, accepted: 3, rejectedRows: 0, requests: 2, retries: 1 });
    expect(received).toHaveLength(2);
    expect(received[1]!.rows).toEqual(received[0]!.rows);
    expect(received[0]!.rows.map((row) => row.LineNo)).toEqual([1, 2, 3]);
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(950);
    expect(received[0]!.headers['x-api-key']).toBe('test-key');
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.path).toBe('/local/invoice-lines');
  });

  it('retries a 429, a 5xx and a dropped connection, with backoff when there is no Retry-After', async () => {
    const { url, received } = await api((_, index, res) => {
      if (index === 0) res.socket?.destroy();
      else if (index === 1) json(res, 429, { message: 'slow down' });
      else if (index === 2) json(res, 502, { message: 'bad gateway' });
      else json(res, 201, {});
    });
    const client = new IngestApiClient({ apiUrl: url, apiKey: 'k' }, { retry: { baseDelayMs: 1 } });

    const outcome = await client.sendBatch(lines(2));

    expect(outcome).toMatchObject({ accepted: 2, requests: 4, retries: 3 });
    expect(received).toHaveLength(4);
    for (const retried of received) expect(retried.rows).toEqual(received[0]!.rows);
  });

  it('gives up after the last attempt with a message that names the rows and says a re-run is safe', async () => {
    const { url, received } = await api((_, __, res) => json(res, 500, { message: 'internal error' }));
    const client = new IngestApiClient({ apiUrl: url, apiKey: 'k' }, { retry: { maxAttempts: 3, baseDelayMs: 1 } });

    const failure = client.sendBatch(lines(4, 101));

    await expect(failure).rejects.toThrow(IngestApiError);
    await expect(failure).rejects.toThrow(
      /4 rows \(file rows 101-104\) in 3 attempts; last answer: 500 .*internal error.*Re-running the load is safe/,
    );
    expect(received).toHaveLength(3);
  });

  it('reports the rows a 400 names, mapped to file rows, and sends the rest of the batch again', async () => {
    const { url, received } = await api((request, index, res) =>
      index === 0
        ? json(res, 400, {
            problems: [
              { row: 2, field: 'Quantity', message: "'six' is not a whole number" },
              { row: 4, field: 'InvoiceDate', message: "'31/12/2010 8:26' is not a real date and time" },
            ],
          })
        : json(res, 200, { accepted: request.rows.length }),
    );
    const client = new IngestApiClient({ apiUrl: url, apiKey: 'k' });

    const outcome = await client.sendBatch(lines(5, 1001));

    expect(outcome.accepted).toBe(3);
    expect(outcome.rejectedRows).toBe(2);
    expect(outcome.rejections).toEqual([
      { fileRow: 1002, field: 'Quantity', message: "'six' is not a whole number" },
      { fileRow: 1004, field: 'InvoiceDate', message: "'31/12/2010 8:26' is not a real date and time" },
    ]);
    expect(received[1]!.rows.map((row) => row.LineNo)).toEqual([1, 3, 5]);
  });

  it('rejects the whole batch when a 400 names no row, with the reason the API gave', async () => {
    const { url } = await api((_, index, res) =>
      index === 0
        ? json(res, 400, { problems: [{ row: 0, field: '', message: 'the body must be a JSON array of rows' }] })
        : json(res, 400, { message: 'the body is not JSON' }),
    );
    const client = new IngestApiClient({ apiUrl: url, apiKey: 'k' });

    const withProblems = await client.sendBatch(lines(3, 7));
    const withMessage = await client.sendBatch(lines(1, 20));

    expect(withProblems).toMatchObject({ accepted: 0, rejectedRows: 3 });
    expect(withProblems.rejections.map((r) => [r.fileRow, r.message])).toEqual(
      [7, 8, 9].map((row) => [row, 'the body must be a JSON array of rows']),
    );
    expect(withMessage.rejections).toEqual([
      { fileRow: 20, field: '', message: 'the request was refused (400): the body is not JSON' },
    ]);
  });

  it('splits a batch the API finds too large (413) until the parts fit', async () => {
    const { url, received } = await api((request, _, res) =>
      request.rows.length > 2 ? json(res, 413, { message: 'too many rows' }) : json(res, 200, {}),
    );
    const client = new IngestApiClient({ apiUrl: url, apiKey: 'k' });

    const outcome = await client.sendBatch(lines(7));

    expect(outcome).toMatchObject({ sent: 7, accepted: 7, rejectedRows: 0 });
    const acceptedLineNos = received.filter((r) => r.rows.length <= 2).flatMap((r) => r.rows.map((row) => row.LineNo));
    expect(acceptedLineNos).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('stops at once on a refused key, saying where the key comes from', async () => {
    const { url, received } = await api((_, __, res) => json(res, 403, { message: 'Forbidden' }));
    const client = new IngestApiClient({ apiUrl: url, apiKey: 'wrong' });

    await expect(client.sendBatch(lines(1))).rejects.toThrow(
      /refused the API key \(403\).*--api-key or RETAIL_API_KEY/,
    );
    expect(received).toHaveLength(1);
  });
});
