import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertPortFree } from './free-port';
import type { PlatformComponent } from './platform-component';
import { describePortSetting, LOOPBACK_HOST } from './platform-settings';

// The gateway is a few lines of node:http rather than a proxy library: it only forwards loopback requests to the
// serverless-offline that declares the path, streaming bodies both ways, so the platform has one base URL like on AWS.

export interface GatewayRoute {
  service: string;
  method: string;
  /** API Gateway template without the stage: /invoices/{invoiceNo}, /files/{key+}. */
  path: string;
  /** Origin of the service's serverless-offline HTTP server. */
  target: string;
}

export interface RunningGateway {
  port: number;
  /** Base URL including the stage, e.g. http://127.0.0.1:4000/local. */
  apiUrl: string;
  stop(): Promise<void>;
}

// API Gateway REST limits: a larger payload is refused with 413, a slower integration answered with 504.
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
export const INTEGRATION_TIMEOUT_MS = 29_000;

// Hop-by-hop headers belong to one connection, not to the request being forwarded.
const HOP_BY_HOP_HEADERS = ['connection', 'keep-alive', 'proxy-connection', 'upgrade'];

export async function startGateway(options: {
  host?: string;
  port: number;
  stage: string;
  routes: GatewayRoute[];
}): Promise<RunningGateway> {
  const { host = LOOPBACK_HOST, port, stage, routes } = options;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((request, response) => forward(request, response, { stage, routes, agent }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const listeningPort = (server.address() as AddressInfo).port;
  return {
    port: listeningPort,
    apiUrl: `http://${host}:${listeningPort}/${stage}`,
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}

/** The route API Gateway would pick: method (or ANY) and path template, literal segments before parameters. */
export function matchRoute<T extends Pick<GatewayRoute, 'method' | 'path'>>(
  routes: readonly T[],
  method: string,
  requestPath: string,
): T | undefined {
  const segments = requestPath.split('/').filter((segment) => segment !== '');
  const candidates = routes
    .filter((route) => pathMatches(templateSegments(route.path), segments))
    .sort((a, b) => specificity(b.path) - specificity(a.path));
  // A path declared for another method still goes to its service, which answers as API Gateway would.
  return candidates.find((route) => route.method === method.toUpperCase() || route.method === 'ANY') ?? candidates[0];
}

function forward(
  request: IncomingMessage,
  response: ServerResponse,
  { stage, routes, agent }: { stage: string; routes: GatewayRoute[]; agent: http.Agent },
): void {
  const url = new URL(request.url ?? '/', 'http://gateway');
  const stagePrefix = `/${stage}`;
  const method = request.method ?? 'GET';
  const route =
    url.pathname === stagePrefix || url.pathname.startsWith(`${stagePrefix}/`)
      ? matchRoute(routes, method, url.pathname.slice(stagePrefix.length))
      : undefined;
  if (route === undefined) {
    respondJson(response, 404, {
      message: `No service declares ${method} ${url.pathname}.`,
      routes: routes.map((known) => `${known.method} /${stage}${known.path} (${known.service})`),
    });
    return;
  }
  if (Number(request.headers['content-length'] ?? 0) > MAX_PAYLOAD_BYTES) {
    respondJson(response, 413, { message: `Request body larger than API Gateway's ${MAX_PAYLOAD_BYTES} bytes.` });
    request.resume();
    return;
  }
  const target = new URL(route.target);
  let failed = false;
  // The first failure answers; the errors that destroying the upstream request causes afterwards are ignored.
  const fail = (statusCode: number, message: string) => {
    if (failed) return;
    failed = true;
    request.unpipe(upstream);
    upstream.destroy();
    respondJson(response, statusCode, { message });
  };
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method,
      path: request.url,
      headers: withoutHopByHop(request.headers),
      agent,
      timeout: INTEGRATION_TIMEOUT_MS,
    },
    (upstreamResponse) => {
      response.writeHead(upstreamResponse.statusCode ?? 502, withoutHopByHop(upstreamResponse.headers));
      upstreamResponse.pipe(response);
    },
  );
  upstream.on('timeout', () => fail(504, `${route.service} did not answer within ${INTEGRATION_TIMEOUT_MS / 1000} s.`));
  upstream.on('error', (error) => fail(502, `${route.service} is unreachable: ${error.message}`));
  // A client that gives up should not leave its request running upstream.
  response.on('close', () => {
    if (!response.writableFinished) upstream.destroy();
  });
  // Chunked bodies have no content-length: count them as they stream.
  let received = 0;
  request.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > MAX_PAYLOAD_BYTES) fail(413, `Request body larger than API Gateway's ${MAX_PAYLOAD_BYTES} bytes.`);
  });
  request.pipe(upstream);
}

function respondJson(response: ServerResponse, statusCode: number, body: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(statusCode, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const forwarded = { ...headers };
  for (const name of HOP_BY_HOP_HEADERS) delete forwarded[name];
  return forwarded;
}

function templateSegments(template: string): string[] {
  return template.split('/').filter((segment) => segment !== '');
}

function pathMatches(template: string[], segments: string[]): boolean {
  for (const [index, part] of template.entries()) {
    if (/^\{.+\+\}$/.test(part)) return segments.length > index;
    const segment = segments[index];
    if (segment === undefined) return false;
    if (!/^\{.+\}$/.test(part) && part !== segment) return false;
  }
  return template.length === segments.length;
}

// Literal segments outrank parameters, which outrank a greedy {proxy+}.
function specificity(template: string): number {
  return templateSegments(template).reduce(
    (score, part) => score * 3 + (/^\{.+\+\}$/.test(part) ? 0 : /^\{.+\}$/.test(part) ? 1 : 2),
    1,
  );
}

/** The platform's single base URL: routes `/<stage>/<path>` to the service that declares the path. */
export function gatewayComponent(port: number): PlatformComponent {
  return {
    name: 'gateway',
    async start({ platform, stack }) {
      const routes = stack.routes.map((route) => {
        const target = stack.serviceEndpoints[route.service]?.http;
        if (target === undefined)
          throw new Error(
            `Route ${route.method} ${route.path} of ${route.service} has no HTTP endpoint to forward to.`,
          );
        return { service: route.service, method: route.method, path: route.path, target };
      });
      const declaredBy = new Map<string, string>();
      for (const route of routes) {
        const key = `${route.method} ${route.path}`;
        const other = declaredBy.get(key);
        if (other !== undefined && other !== route.service)
          throw new Error(
            `${other} and ${route.service} both declare ${key}: API Gateway would refuse the second one.`,
          );
        declaredBy.set(key, route.service);
      }
      if (port !== 0) await assertPortFree(port, describePortSetting('api', port));
      const gateway = await startGateway({ port, stage: platform.stage, routes });
      return { contribution: { apiUrl: gateway.apiUrl }, stop: () => gateway.stop() };
    },
  };
}
