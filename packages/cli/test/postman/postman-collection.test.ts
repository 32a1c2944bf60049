import { readFileSync } from 'node:fs';
import { committedOpenApiDocument } from '@retail/api-contract/openapi-file';
import { COLLECTION_FILE, committedPostmanFiles, jsonFileText } from '@retail/api-contract/postman';
import { LOCAL_API_URL, localApiDefaults } from '../../src/postman/local-api-defaults';

interface CollectionItem {
  name: string;
  item?: CollectionItem[];
  event?: { listen: string; script: { exec: string[] } }[];
  request?: { method: string; url: { path: string[] } };
}

const requestsOf = (items: CollectionItem[]): CollectionItem[] =>
  items.flatMap((item) => (item.item ? requestsOf(item.item) : [item]));

describe('the committed Postman collection', () => {
  it('and the deployed environment are what the contract generates now (run `npm run postman:collection`)', async () => {
    for (const { file, content } of committedPostmanFiles(await localApiDefaults()))
      expect([file, readFileSync(file, 'utf8')]).toEqual([file, jsonFileText(content)]);
  });

  it('calls every operation of the OpenAPI document, and each request tests its status code', () => {
    const requests = requestsOf((JSON.parse(readFileSync(COLLECTION_FILE, 'utf8')) as { item: CollectionItem[] }).item);
    const called = requests.map((item) => `${item.request!.method} /${item.request!.url.path.join('/')}`);
    const operations = Object.entries(committedOpenApiDocument(LOCAL_API_URL).paths).flatMap(([route, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), route })),
    );
    const templateOf = (route: string) => new RegExp(`^${route.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);

    const uncalled = operations.filter(
      ({ method, route }) =>
        !called.some((call) => call.startsWith(`${method} `) && templateOf(route).test(call.slice(method.length + 1))),
    );
    expect(uncalled).toEqual([]);
    for (const item of requests) {
      const tests = item.event?.find((event) => event.listen === 'test')?.script.exec.join('\n') ?? '';
      expect([item.name, tests]).toEqual([item.name, expect.stringMatching(/pm\.response\.to\.have\.status\(\d{3}\)/)]);
    }
  });
});
