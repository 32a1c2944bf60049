import {
  lambdaContext,
  type StreamRecord,
  startKinesisTestStream,
  useKinesisEmulatorEnvironment,
  type KinesisTestStream,
} from '@retail/test-support';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { HttpHandler } from '@retail/lambda-plumbing';
import type { putInvoiceLinesHandler } from '../../src/handlers/put-invoice-lines';
import { invoiceLinesRequest, PUT_INVOICE_LINES_FUNCTION, type RequestParts } from './api-gateway-event';

export interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: Record<string, unknown> & { message?: string };
}

export interface IngestUnderTest {
  stream: KinesisTestStream;
  /** The deployed handler, composed from the environment as on AWS. */
  handler: HttpHandler;
  /** The same handler around another stream adapter. */
  handlerWith: typeof putInvoiceLinesHandler;
  post(request: RequestParts, handler?: HttpHandler): Promise<Answer>;
  /** Runs `action` and returns it with the records it added to the stream. */
  recordsAddedBy<T>(action: () => Promise<T>): Promise<{ result: T; added: StreamRecord[] }>;
}

/**
 * Starts an in-memory Kinesis holding the invoice line stream, gives this process the environment the local
 * platform gives the function, and only then loads the handler (it builds its adapter at module scope).
 */
export async function startIngestUnderTest(): Promise<IngestUnderTest> {
  const stream = await startKinesisTestStream();
  useKinesisEmulatorEnvironment(stream.endpoint);
  process.env.INVOICE_LINE_STREAM_NAME = stream.streamName;
  // Powertools writes to the global console in dev mode, where tests can read and silence it.
  process.env.POWERTOOLS_DEV = 'true';
  process.env.POWERTOOLS_SERVICE_NAME = 'retail-ingest';
  const { handler, putInvoiceLinesHandler: handlerWith } = await import('../../src/handlers/put-invoice-lines');

  const post = async (request: RequestParts, using: HttpHandler = handler): Promise<Answer> => {
    const result: APIGatewayProxyResult = await using(
      invoiceLinesRequest(request),
      lambdaContext(PUT_INVOICE_LINES_FUNCTION),
    );
    return {
      statusCode: result.statusCode,
      headers: (result.headers ?? {}) as Record<string, string>,
      body: JSON.parse(result.body),
    };
  };

  const recordsAddedBy = async <T>(action: () => Promise<T>) => {
    const key = (r: StreamRecord) => `${r.shardId}/${r.sequenceNumber}`;
    const before = new Set((await stream.readRecords()).map(key));
    const result = await action();
    const added = (await stream.readRecords()).filter((r) => !before.has(key(r)));
    return { result, added };
  };

  return { stream, handler, handlerWith, post, recordsAddedBy };
}
