import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  createDynamoDbDocumentClient,
  DynamoDbInvoiceStore,
  INVOICE_TABLE_KEYS,
  SUMMARY_SORT_KEY,
  type InvoiceStore,
} from '@retail/adapters';
import { runCommand } from '@retail/cli';
import { readStackFile } from '@retail/local-platform';
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';

/**
 * `npm run bench:api`: load test of GET /invoices/{invoiceNo}/items on the running local platform (`npm start`, then
 * `npm run load`), over every invoice in the table, then two shorter runs that split the time: the same route when
 * it needs no read (a malformed number, answered before the store), and the store alone, in this process.
 */

const USAGE = `Usage: npm run bench:api -- [--duration S] [--connections N] [--stack-file FILE]

  --duration S       seconds of the measured run (default 20; the two breakdown runs take a quarter each)
  --connections N    concurrent connections (default 50)
  --stack-file FILE  the platform to load (default .local/stack.json, what npm start writes)`;

const TARGET_P99_MS = 50;
// The logical id in resources/dynamodb.yml, the key of the table in .local/stack.json.
const INVOICE_TABLE = 'InvoiceTable';

interface Latencies {
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '20' },
      connections: { type: 'string', default: '50' },
      'stack-file': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  if (
    !(duration >= 1 && duration <= 600) ||
    !(Number.isInteger(connections) && connections >= 1 && connections <= 1000)
  ) {
    console.error(
      `--duration must be 1-600 seconds and --connections 1-1000, got ${values.duration} and ${values.connections}\n\n${USAGE}`,
    );
    return 2;
  }

  const stack = await readStackFile(values['stack-file']);
  // The store in this process talks to the platform's DynamoDB emulator, as the functions do.
  Object.assign(process.env, stack.environment);
  const tableName = stack.resources.tables[INVOICE_TABLE]?.name;
  if (tableName === undefined)
    throw new Error(`.local/stack.json has no ${INVOICE_TABLE}: restart the platform with npm start`);
  const client = createDynamoDbDocumentClient();
  const invoiceNos = await storedInvoiceNumbers(client, tableName);
  if (invoiceNos.length === 0)
    throw new Error(
      `the invoice table ${tableName} is empty: load the sample first with npm run load (and wait for the stream to deliver it)`,
    );

  const { origin, pathname: stagePath } = new URL(stack.apiUrl);
  const headers = { 'x-api-key': stack.apiKey };
  const itemsPath = rotating(
    invoiceNos.map((invoiceNo) => `${stagePath}/invoices/${encodeURIComponent(invoiceNo)}/items`),
  );
  console.log(
    `GET ${stack.apiUrl}/invoices/{invoiceNo}/items over ${invoiceNos.length} invoices, ${connections} connections, ${duration} s`,
  );

  const itemsRequests = [{ setupRequest: (request: AutocannonRequest) => ({ ...request, path: itemsPath() }) }];
  await warmUp(origin, connections, headers, itemsRequests);
  const measured = fromAutocannon(
    await autocannon({ url: origin, connections, duration, headers, requests: itemsRequests }),
  );

  const breakdownSeconds = Math.max(2, Math.round(duration / 4));
  const noRead = fromAutocannon(
    await autocannon({
      url: origin,
      connections,
      duration: breakdownSeconds,
      headers,
      requests: [{ path: `${stagePath}/invoices/53636/items` }],
    }),
    400,
  );
  const storeOnly = await benchStore(
    new DynamoDbInvoiceStore({ client, tableName }),
    invoiceNos,
    connections,
    breakdownSeconds,
  );

  const row = (name: string, l: Latencies) =>
    `${name.padEnd(44)}${fixed(l.perSecond, 0).padStart(9)}${fixed(l.p50).padStart(9)}${fixed(l.p90).padStart(9)}${fixed(l.p99).padStart(9)}${String(l.errors).padStart(8)}`;
  console.log(
    `\n${''.padEnd(44)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p90 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}`,
  );
  console.log(row('GET /invoices/{invoiceNo}/items', measured));
  console.log(row('  same route, 400 before any read', noRead));
  console.log(row('  the store alone (Query on dynalite)', storeOnly));
  console.log(
    `\nWhat dominates: of the ${fixed(measured.p50)} ms median, the store's Query takes ${fixed(storeOnly.p50)} ms at this concurrency and ` +
      `the gateway + serverless-offline invocation ${fixed(noRead.p50)} ms; the rest is both competing for the same CPU.`,
  );
  const passed = measured.p99 < TARGET_P99_MS && measured.errors === 0;
  console.log(
    `Target p99 < ${TARGET_P99_MS} ms and no errors: ${passed ? 'PASS' : 'FAIL'} (p99 ${fixed(measured.p99)} ms, ${measured.errors} errors, ${measured.requests} requests)`,
  );
  return passed ? 0 : 1;
}

/**
 * serverless-offline starts one Lambda environment (a worker thread) per concurrent request, as Lambda does. Fifty
 * cold starts at once on a laptop take longer than the function's timeout and never settle, so ramp up: a few
 * requests at 1, 5, 10, 25 connections and then at the measured concurrency, until a round has no error.
 */
async function warmUp(
  origin: string,
  connections: number,
  headers: Record<string, string>,
  requests: AutocannonRequest[],
): Promise<void> {
  const steps = [...[1, 5, 10, 25].filter((step) => step < connections), connections, connections];
  for (const step of steps) {
    const { errors, requests: done } = fromAutocannon(
      await autocannon({ url: origin, connections: step, amount: step * 5, timeout: 60, headers, requests }),
    );
    console.log(`warm-up at ${step} connections: ${done} requests, ${errors} errors`);
    if (step === connections && errors === 0) return;
  }
  console.log('the warm-up still had errors: the measured run will show them');
}

/** Every invoice number with a summary in the table: what a client can look up. */
async function storedInvoiceNumbers(
  client: ReturnType<typeof createDynamoDbDocumentClient>,
  tableName: string,
): Promise<string[]> {
  const invoiceNos: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#sk = :summary',
        ProjectionExpression: 'invoiceNo',
        ExpressionAttributeNames: { '#sk': INVOICE_TABLE_KEYS.sortKey },
        ExpressionAttributeValues: { ':summary': SUMMARY_SORT_KEY },
        ExclusiveStartKey: startKey,
      }),
    );
    invoiceNos.push(...(page.Items ?? []).map((item) => String(item.invoiceNo)));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return invoiceNos;
}

function rotating<T>(values: readonly T[]): () => T {
  let next = 0;
  return () => values[next++ % values.length]!;
}

function fromAutocannon(result: AutocannonResult, expectedStatus = 200): Latencies {
  const unexpected = Object.entries(result.statusCodeStats).reduce(
    (sum, [status, { count }]) => sum + (Number(status) === expectedStatus ? 0 : count),
    0,
  );
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + unexpected,
  };
}

/** `concurrency` callers of store.getInvoice for `seconds`, as the function calls it. */
async function benchStore(
  store: InvoiceStore,
  invoiceNos: readonly string[],
  concurrency: number,
  seconds: number,
): Promise<Latencies> {
  const next = rotating(invoiceNos);
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const caller = async () => {
    while (performance.now() < deadline) {
      const began = performance.now();
      try {
        if ((await store.getInvoice(next())) === undefined) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - began);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))] ?? NaN;
  return {
    requests: latencies.length,
    perSecond: latencies.length / seconds,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    errors,
  };
}

function fixed(value: number, digits = 1): string {
  return value.toFixed(digits);
}

runCommand(main);
