import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * An AWS API as the SDK and the CLI speak the JSON 1.1 protocol: POST /, the operation in `X-Amz-Target:
 * <prefix><Operation>`, a JSON body, errors as `{"__type": "<Exception>", "message": ...}`. Signatures are not
 * checked (the emulators listen on loopback only). Timestamps go out as epoch seconds, which the SDK expects.
 */
export class AwsJsonApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type AwsJsonOperation = (request: Record<string, unknown>) => Promise<unknown>;

export interface AwsJsonApiOptions {
  /** Named in errors, e.g. "the local Redshift Data API". */
  serviceName: string;
  /** e.g. `RedshiftData.` */
  targetPrefix: string;
  operations: Record<string, AwsJsonOperation>;
  /** A larger body is refused before it is read whole. */
  maxBodyBytes: number;
  /** The exception type of an unexpected failure, e.g. InternalServerException. */
  internalErrorType: string;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export function awsJsonRequestListener(options: AwsJsonApiOptions) {
  const { serviceName, targetPrefix, operations } = options;
  return (request: IncomingMessage, response: ServerResponse): void => {
    const requestId = randomUUID();
    const answer = (status: number, body: unknown) => {
      // The replacer sees a Date already turned into a string by toJSON: look at the holder's own value.
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
      if (error instanceof AwsJsonApiError) answer(error.status, { __type: error.type, message: error.message });
      else
        answer(500, {
          __type: options.internalErrorType,
          message: `${serviceName} failed: ${(error as Error).message}`,
        });
    };
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith(targetPrefix) ? operations[target.slice(targetPrefix.length)] : undefined;
    readBody(request, options.maxBodyBytes)
      .then((body) => {
        if (request.method !== 'POST')
          throw new AwsJsonApiError(
            'UnknownOperationException',
            `${request.method} is not an operation; the API takes POST /.`,
            404,
          );
        if (operation === undefined) {
          throw new AwsJsonApiError(
            'UnknownOperationException',
            `${target || 'A request without X-Amz-Target'} is not an operation ${serviceName} serves (${Object.keys(operations).join(', ')}).`,
          );
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8') || '{}');
        } catch {
          throw new AwsJsonApiError('SerializationException', 'The request body is not JSON.');
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new AwsJsonApiError('SerializationException', 'The request body must be a JSON object.');
        return operation(parsed as Record<string, unknown>);
      })
      .then((result) => answer(200, result), fail);
  };
}

function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new AwsJsonApiError('ValidationException', `The request body exceeds ${maxBytes} bytes.`, 413));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
