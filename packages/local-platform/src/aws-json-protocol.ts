import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * AWS's JSON 1.1 protocol as the SDK and the CLI speak it, for the local emulators that no npm package provides
 * (Firehose, Glue): POST /, the operation in `X-Amz-Target: <prefix><Operation>`, a JSON object in and out, errors
 * as `{"__type": "<Exception>", "message": ...}`. Request signatures are not checked (loopback only).
 */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type JsonOperation = (request: Record<string, unknown>) => Promise<unknown>;

export interface AwsJsonApi {
  /** Names the emulator in messages, e.g. "the local Glue". */
  emulator: string;
  /** e.g. `Firehose_20150804.` or `AWSGlue.`. */
  targetPrefix: string;
  operations: Readonly<Record<string, JsonOperation>>;
  /** Larger bodies are refused with 413 before they are parsed. */
  maxBodyBytes: number;
  /** The `__type` of an unexpected failure (the service's 5xx exception). */
  internalErrorType: string;
  /** The `__type` of a body over maxBodyBytes (default InvalidArgumentException, as Firehose answers). */
  bodyTooLargeErrorType?: string;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export function awsJsonRequestListener(api: AwsJsonApi) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const requestId = randomUUID();
    const answer = (status: number, body: unknown) => {
      // Dates go out as epoch seconds, which the SDK expects. The replacer sees a Date already turned into a string
      // by toJSON: it looks at the holder's own value.
      const text = JSON.stringify(body, function (this: Record<string, unknown>, key: string, value: unknown) {
        const raw = this[key];
        return raw instanceof Date ? raw.getTime() / 1000 : value;
      });
      response.writeHead(status, {
        'content-type': CONTENT_TYPE,
        'content-length': Buffer.byteLength(text),
        'x-amzn-requestid': requestId,
      });
      response.end(text);
    };
    const fail = (error: unknown) => {
      if (error instanceof AwsJsonError) answer(error.status, { __type: error.type, message: error.message });
      else
        answer(500, {
          __type: api.internalErrorType,
          message: `${capitalised(api.emulator)} failed: ${(error as Error).message}`,
        });
    };
    const target = String(request.headers['x-amz-target'] ?? '');
    const name = target.startsWith(api.targetPrefix) ? target.slice(api.targetPrefix.length) : undefined;
    const operation = name !== undefined && Object.hasOwn(api.operations, name) ? api.operations[name] : undefined;
    readBody(request, api)
      .then((body) => {
        if (request.method !== 'POST')
          throw new AwsJsonError(
            'UnknownOperationException',
            `${request.method} is not an operation; the API takes POST /.`,
            404,
          );
        if (operation === undefined) {
          throw new AwsJsonError(
            'UnknownOperationException',
            `${target || 'A request without X-Amz-Target'} is not an operation ${api.emulator} serves (${Object.keys(api.operations).join(', ')}).`,
          );
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8') || '{}');
        } catch {
          throw new AwsJsonError('SerializationException', 'The request body is not JSON.');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new AwsJsonError('SerializationException', 'The request body must be a JSON object.');
        return operation(parsed as Record<string, unknown>);
      })
      .then((result) => answer(200, result), fail);
  };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function readBody(request: IncomingMessage, api: AwsJsonApi): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > api.maxBodyBytes) {
        reject(
          new AwsJsonError(
            api.bodyTooLargeErrorType ?? 'InvalidArgumentException',
            `The request body exceeds ${api.maxBodyBytes} bytes; no valid request to ${api.emulator} is that large.`,
            413,
          ),
        );
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
