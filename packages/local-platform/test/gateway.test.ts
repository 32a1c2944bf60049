import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { matchRoute, MAX_PAYLOAD_BYTES, startGateway, type RunningGateway } from '../src/gateway';

describe('matchRoute', () => {
  const routes = [
    { method: 'GET', path: '/invoices/{invoiceNo}' },
    { method: 'GET', path: '/invoices/summary' },
    { method: 'POST', path: '/invoice-lines' },
    { method: 'ANY', path: '/files/{key+}' },
  ];

  it('prefers literal segments to parameters, as API Gateway does', () => {
    expect(matchRoute(routes, 'GET', '/invoices/summary')?.path).toBe('/invoices/summary');
    expect(matchRoute(routes, 'get', '/invoices/536365')?.path).toBe('/invoices/{invoiceNo}');
  });

  it('matches a greedy parameter over several segments and ANY for every method', () => {
    expect(matchRoute(routes, 'DELETE', '/files/a/b/c.json')?.path).toBe('/files/{key+}');
    expect(matchRoute(routes, 'GET', '/files')).toBeUndefined();
  });

  it('sends a known path with another method to its service, and finds nothing for an unknown path', () => {
    expect(matchRoute(routes, 'GET', '/invoice-lines')?.path).toBe('/invoice-lines');
    expect(matchRoute(routes, 'GET', '/invoices/536365/lines')).toBeUndefined();
  });
});

describe('startGateway', () => {
  let upstream: http.Server;
  let gateway: RunningGateway;
  const seen: { method?: string; url?: string; apiKey?: string; body: string }[] = [];

  beforeAll(async () => {
    upstream = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({
          method: request.method,
          url: request.url,
          apiKey: request.headers['x-api-key'] as string | undefined,
          body: Buffer.concat(chunks).toString(),
        });
        response.writeHead(201, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
        response.end(`echo:${Buffer.concat(chunks).toString()}`);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gateway = await startGateway({
      port: 0,
      stage: 'local',
      routes: [
        { service: 'ingest', method: 'POST', path: '/invoice-lines', target },
        { service: 'gone', method: 'GET', path: '/gone', target: 'http://127.0.0.1:1' },
      ],
    });
  });

  afterAll(async () => {
    await gateway.stop();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('forwards method, stage path, query, headers and body to the declaring service, and its answer back', async () => {
    const response = await fetch(`${gateway.apiUrl}/invoice-lines?dryRun=1`, {
      method: 'POST',
      headers: { 'x-api-key': 'k' },
      body: 'a,b,c',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(await response.text()).toBe('echo:a,b,c');
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/local/invoice-lines?dryRun=1', apiKey: 'k', body: 'a,b,c' });
  });

  it('answers 404 JSON for a path no service declares, or one outside the stage', async () => {
    for (const url of [`${gateway.apiUrl}/nothing`, gateway.apiUrl.replace('/local', '/dev/invoice-lines')]) {
      const response = await fetch(url);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        message: expect.stringMatching(/No service declares GET/),
        routes: expect.any(Array),
      });
    }
  });

  it('refuses a body larger than API Gateway accepts with 413, without forwarding it', async () => {
    const before = seen.length;
    const response = await fetch(`${gateway.apiUrl}/invoice-lines`, {
      method: 'POST',
      body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 'x'),
    });
    expect(response.status).toBe(413);
    expect(seen.length).toBe(before);
  });

  it('counts a chunked body as it streams and refuses it with 413 past the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = http.request(`${gateway.apiUrl}/invoice-lines`, { method: 'POST' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      const writeChunks = (left: number): void => {
        if (left === 0) return void request.end();
        if (request.write(chunk)) writeChunks(left - 1);
        else request.once('drain', () => writeChunks(left - 1));
      };
      writeChunks(11);
    });
    expect(status).toBe(413);
  });

  it('answers 502 when the service does not answer', async () => {
    const response = await fetch(`${gateway.apiUrl}/gone`);
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ message: expect.stringMatching(/gone is unreachable/) });
  });
});
