import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KinesisStreamEvent } from 'aws-lambda';

export type TestHandler = (event: KinesisStreamEvent) => unknown;

export interface RecordedInvocation {
  functionName: string;
  event: KinesisStreamEvent;
  payloadBytes: number;
  startedAt: number;
}

export interface LambdaInvokeServer {
  endpoint: string;
  invocations: RecordedInvocation[];
  setHandler(functionName: string, handler: TestHandler): void;
  invocationsOf(functionName: string): RecordedInvocation[];
  close(): Promise<void>;
}

const INVOKE_ROUTE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/**
 * A real HTTP server answering Lambda's Invoke route the way serverless-offline 14.8.2 does
 * (src/lambda/routes/invocations): the handler's JSON result with 200; a thrown error as 200 with
 * `X-Amz-Function-Error: Unhandled` and { errorMessage, errorType, trace }; an unknown function as 404 with
 * `x-amzn-ErrorType: ResourceNotFoundException`. It starts in milliseconds where serverless-offline takes seconds.
 */
export async function startLambdaInvokeServer(): Promise<LambdaInvokeServer> {
  const handlers = new Map<string, TestHandler>();
  const invocations: RecordedInvocation[] = [];
  const server: Server = createServer((request, response) => {
    void (async () => {
      const match = request.method === 'POST' ? INVOKE_ROUTE.exec(request.url ?? '') : null;
      if (!match) {
        response.writeHead(404).end();
        return;
      }
      const functionName = decodeURIComponent(match[1] as string);
      const body = await readBody(request);
      const handler = handlers.get(functionName);
      if (!handler) {
        response
          .writeHead(404, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException' })
          .end(JSON.stringify({ Message: `Function not found: ${functionName}`, Type: 'User' }));
        return;
      }
      const event = JSON.parse(body.toString('utf8')) as KinesisStreamEvent;
      invocations.push({ functionName, event, payloadBytes: body.length, startedAt: Date.now() });
      try {
        const result = await handler(event);
        const payload = result === undefined ? '' : typeof result === 'string' ? `"${result}"` : JSON.stringify(result);
        response.writeHead(200, { 'content-type': 'application/json' }).end(payload);
      } catch (error) {
        const { message, stack } = error as Error;
        response
          .writeHead(200, { 'content-type': 'application/json', 'X-Amz-Function-Error': 'Unhandled' })
          .end(JSON.stringify({ errorMessage: message, errorType: 'Error', trace: (stack ?? '').split('\n') }));
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    invocations,
    setHandler: (functionName, handler) => handlers.set(functionName, handler),
    invocationsOf: (functionName) => invocations.filter((invocation) => invocation.functionName === functionName),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
