import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile, execFileSync } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { eventually } from '@retail/test-support';
import { createLocalResources } from '../src/cloudformation/create-local-resources';
import { readPlatformTemplate, type PlatformTemplate } from '../src/cloudformation/read-platform-template';
import {
  createLocalAwsClients,
  readStackFile,
  startLocalPlatform,
  type LocalAwsClients,
  type LocalPlatform,
  type StackFile,
} from '../src/index';
import { isProcessGroupAlive } from '../src/node-process-group';
import { readLocalApiKey } from '../src/platform-exports';
import { LOCAL_ACCOUNT_ID, LOCAL_STAGE, REPO_ROOT, SERVERLESS_CLI } from '../src/platform-settings';

const ECHO_SERVICE = path.join(__dirname, 'fixtures', 'echo-service');

/** Waits until the platform's log file holds every pattern, and returns it. */
async function logFileMatching(stateDir: string, ...patterns: RegExp[]): Promise<string> {
  return eventually(
    async () => {
      const text = await readFile(path.join(stateDir, 'platform.log'), 'utf8');
      for (const pattern of patterns) expect(text).toMatch(pattern);
      return text;
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
}

// Children of this process other than the `ps` that lists them (and those jest itself had before the platform).
function childProcessesOfThisProcess(): string[] {
  return execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, command]) => ppid === String(process.pid) && command !== 'ps')
    .map((fields) => fields.join(' '))
    .filter((child) => !childrenBeforeThePlatform.includes(child));
}
let childrenBeforeThePlatform: string[] = [];

function expectStoppedCompletely(stack: StackFile): void {
  for (const [name, pid] of Object.entries(stack.processes))
    expect({ name, alive: isProcessGroupAlive(pid) }).toEqual({ name, alive: false });
  expect(childProcessesOfThisProcess()).toEqual([]);
}

async function readWholeStream(clients: LocalAwsClients, streamName: string): Promise<string[]> {
  const { Shards = [] } = await clients.kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  const records: string[] = [];
  for (const shard of Shards) {
    let { ShardIterator } = await clients.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    // Read until a call returns no records (MillisBehindLatest can say 0 too early).
    for (;;) {
      const page = await clients.kinesis.send(new GetRecordsCommand({ ShardIterator }));
      if ((page.Records ?? []).length === 0) break;
      records.push(...(page.Records ?? []).map((record) => Buffer.from(record.Data ?? []).toString()));
      ShardIterator = page.NextShardIterator;
    }
  }
  return records;
}

describe('the local platform', () => {
  let stateDir: string;
  let platform: LocalPlatform;
  let stack: StackFile;
  let clients: LocalAwsClients;
  let template: PlatformTemplate;

  beforeAll(async () => {
    childrenBeforeThePlatform = childProcessesOfThisProcess();
    template = await readPlatformTemplate(LOCAL_STAGE);
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-local-platform-'));
    platform = await startLocalPlatform({
      stateDir,
      fresh: true,
      serviceDirs: [ECHO_SERVICE, path.join(stateDir, 'no-such-service')],
      quiet: 'silent',
    });
    stack = platform.stack;
    clients = createLocalAwsClients(stack.endpoints, stack.region);
  });

  afterAll(async () => {
    clients?.destroy();
    await platform?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('writes stack.json with the stage, region, API key from platform-exports.yml and every endpoint', async () => {
    await expect(readStackFile(path.join(stateDir, 'stack.json'))).resolves.toEqual(stack);
    expect(stack).toMatchObject({
      stage: LOCAL_STAGE,
      region: 'eu-west-2',
      accountId: LOCAL_ACCOUNT_ID,
      apiKey: await readLocalApiKey(),
      apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/local$/),
      stateDir,
      pid: process.pid,
    });
    expect(stack.endpoints.services).toEqual({
      'echo-service': {
        http: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        lambda: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      },
    });
    expect(stack.routes).toEqual([
      {
        service: 'echo-service',
        method: 'GET',
        path: '/echo/{name}',
        private: false,
        url: `${stack.apiUrl}/echo/{name}`,
      },
    ]);
    expect(stack.environment).toMatchObject({
      AWS_REGION: 'eu-west-2',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_KINESIS: stack.endpoints.kinesis,
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
    });
  });

  it('creates every stream, table and bucket the CloudFormation template declares, with the same names', async () => {
    const declaredIds = (type: string) =>
      Object.keys(template.resources)
        .filter((id) => template.resources[id]?.Type === type)
        .sort();
    expect(Object.keys(stack.resources.streams).sort()).toEqual(declaredIds('AWS::Kinesis::Stream'));
    expect(Object.keys(stack.resources.tables).sort()).toEqual(declaredIds('AWS::DynamoDB::Table'));
    expect(Object.keys(stack.resources.buckets).sort()).toEqual(declaredIds('AWS::S3::Bucket'));

    for (const [logicalId, stream] of Object.entries(stack.resources.streams)) {
      const { StreamDescriptionSummary: summary } = await clients.kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: stream.name }),
      );
      expect(summary).toMatchObject({
        StreamStatus: 'ACTIVE',
        StreamARN: stream.arn,
        OpenShardCount: template.resources[logicalId]?.Properties?.ShardCount,
      });
    }
    for (const [logicalId, table] of Object.entries(stack.resources.tables)) {
      const { Table: description } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
      const declared = template.resources[logicalId]?.Properties ?? {};
      expect(description?.TableArn).toBe(table.arn);
      expect(description?.KeySchema).toEqual(declared.KeySchema);
      expect(
        description?.GlobalSecondaryIndexes?.map(({ IndexName, KeySchema, IndexStatus }) => ({
          IndexName,
          KeySchema,
          IndexStatus,
        })),
      ).toEqual(
        (declared.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[]).map(
          ({ IndexName, KeySchema }) => ({ IndexName, KeySchema, IndexStatus: 'ACTIVE' }),
        ),
      );
    }
    for (const bucket of Object.values(stack.resources.buckets)) {
      await expect(clients.s3.send(new HeadBucketCommand({ Bucket: bucket.name }))).resolves.toBeDefined();
    }
  });

  it('routes /<stage>/<path> through the gateway to the service that declares it, with the platform environment', async () => {
    const response = await fetch(`${stack.apiUrl}/echo/hello?x=1`);
    expect(response.status).toBe(200);
    const echoed = (await response.json()) as { name: string; environment: Record<string, string> };
    expect(echoed.name).toBe('hello');
    expect(echoed.environment).toMatchObject({
      AWS_REGION: stack.region,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_ENDPOINT_URL_KINESIS: stack.endpoints.kinesis,
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
    });
    // What resources/platform-exports.yml hands services on the local stage is exactly what was created.
    expect(echoed.environment.INVOICE_LINE_STREAM_ARN).toBe(stack.resources.streams.InvoiceLineStream?.arn);
    expect(echoed.environment.RAW_EVENTS_BUCKET_NAME).toBe(stack.resources.buckets.RawEventsBucket?.name);

    const unknown = await fetch(`${stack.apiUrl}/no/such/path`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ message: 'No service declares GET /local/no/such/path.' });
  });

  it("serves each service's Lambda Invoke endpoint for @aws-sdk/client-lambda", async () => {
    const lambda = new LambdaClient({
      region: stack.region,
      endpoint: stack.endpoints.services['echo-service']?.lambda,
      credentials: { ...stack.credentials },
    });
    try {
      const output = await lambda.send(
        new InvokeCommand({
          FunctionName: 'retail-echo-local-echoEnvironment',
          Payload: Buffer.from(JSON.stringify({ pathParameters: { name: 'direct' } })),
        }),
      );
      expect(JSON.parse(JSON.parse(Buffer.from(output.Payload ?? []).toString()).body)).toMatchObject({
        name: 'direct',
      });
    } finally {
      lambda.destroy();
    }
  });

  it("keeps serving while `sls package` of the same service rebuilds and deletes the service's .esbuild folder", async () => {
    const url = `${stack.apiUrl}/echo/while-packaging`;
    const packageDir = await mkdtemp(path.join(os.tmpdir(), 'retail-echo-package-'));
    const statuses: number[] = [];
    let packaging = true;
    const requests = (async () => {
      while (packaging) {
        statuses.push((await fetch(url)).status);
        await sleep(50);
      }
    })();
    try {
      // What npm run validate, package and deploy and the packaged-stack tests do to every service.
      await promisify(execFile)(
        process.execPath,
        [SERVERLESS_CLI, 'package', '--stage', 'dev', '--package', packageDir],
        {
          cwd: ECHO_SERVICE,
          env: { ...process.env, AWS_ACCESS_KEY_ID: 'packaging-only', AWS_SECRET_ACCESS_KEY: 'packaging-only' },
        },
      );
    } finally {
      packaging = false;
      await requests;
      await rm(packageDir, { recursive: true, force: true });
    }
    // Packaging built in the service's .esbuild/ and deleted it, as it does in a service the platform runs.
    await expect(access(path.join(ECHO_SERVICE, '.esbuild'))).rejects.toThrow(/ENOENT/);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect((await fetch(url)).status).toBe(200);
  });

  it('says which process died, how and what it last printed, and brings it back on the same port with its state', async () => {
    const tableName = stack.resources.tables.InvoiceTable?.name ?? '';
    const key = { pk: { S: 'INVOICE#581587' }, sk: { S: 'SUMMARY' } };
    await clients.dynamodb.send(new PutItemCommand({ TableName: tableName, Item: key }));
    const warehouse = new Client({ connectionString: stack.warehouseUrl });
    await warehouse.connect();
    await warehouse.query('CREATE TABLE public.survives_kill AS SELECT 581587 AS invoice_no');
    await warehouse.end();
    // The server itself, as a user would find it, not the node process that started it.
    const postmasterPid = Number(
      (await readFile(path.join(stateDir, 'warehouse', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );

    for (const pid of [stack.processes.dynalite, postmasterPid, stack.processes['service echo-service']])
      process.kill(pid ?? 0, 'SIGKILL');
    const dynamodbPort = new URL(stack.endpoints.dynamodb).port;
    const warehousePort = new URL(stack.warehouseUrl ?? '').port;
    const log = await logFileMatching(
      stateDir,
      new RegExp(
        `warning: dynalite \\(pid ${stack.processes.dynalite}\\) exited \\(signal SIGKILL\\); restarting it on ` +
          `127\\.0\\.0\\.1:${dynamodbPort} with its state in ${stateDir}/dynamodb in 1 s \\(restart 1 of 3\\)\\.`,
      ),
      new RegExp(
        `warning: warehouse \\(embedded PostgreSQL\\) \\(pid ${stack.processes.warehouse}\\) exited \\(exit code 1\\); ` +
          `restarting it on 127\\.0\\.0\\.1:${warehousePort} [^\\n]*\\n(    \\| [^\\n]*\\n)*    \\| PostgreSQL \\(pid ${postmasterPid}\\) exited \\(signal SIGKILL\\)\\.`,
      ),
      /warning: service echo-service \(pid \d+\) exited \(signal SIGKILL\); restarting it on /,
      new RegExp(`warning: dynalite is back on 127\\.0\\.0\\.1:${dynamodbPort} `),
      new RegExp(`warning: warehouse \\(embedded PostgreSQL\\) is back on 127\\.0\\.0\\.1:${warehousePort} `),
      /warning: service echo-service is back on /,
    );
    expect(log).not.toMatch(/stopped \d+ times/);

    // Same endpoints as stack.json says, same state.
    const item = await clients.dynamodb.send(new GetItemCommand({ TableName: tableName, Key: key }));
    expect(item.Item).toEqual(key);
    const reconnected = new Client({ connectionString: stack.warehouseUrl });
    await reconnected.connect();
    try {
      expect((await reconnected.query('SELECT invoice_no FROM public.survives_kill')).rows).toEqual([
        { invoice_no: 581587 },
      ]);
    } finally {
      await reconnected.end();
    }
    expect((await fetch(`${stack.apiUrl}/echo/back`)).status).toBe(200);
  });

  it('keeps existing resources when created again, and refuses local state that contradicts the template', async () => {
    // Delivery streams come from the Firehose component, not from this one.
    const { deliveryStreams: _fromFirehose, ...createdHere } = stack.resources;
    await expect(createLocalResources(template, LOCAL_ACCOUNT_ID, clients, stateDir)).resolves.toEqual(createdHere);
    const reshaped = structuredClone(template);
    const stream = reshaped.resources.InvoiceLineStream;
    if (stream?.Properties === undefined) throw new Error('The template lost InvoiceLineStream.');
    stream.Properties.ShardCount = 3;
    await expect(createLocalResources(reshaped, LOCAL_ACCOUNT_ID, clients, stateDir)).rejects.toThrow(
      /has 2 open shards, but the template declares ShardCount 3.*--fresh/,
    );
  });

  it('refuses a second platform on the same state directory, and --fresh on a folder holding the repository', async () => {
    await expect(startLocalPlatform({ stateDir, quiet: 'silent', serviceDirs: [] })).rejects.toThrow(
      `A local platform (pid ${process.pid}) already runs on ${stateDir}`,
    );
    await expect(
      startLocalPlatform({ stateDir: REPO_ROOT, fresh: true, quiet: 'silent', serviceDirs: [] }),
    ).rejects.toThrow(/Refusing to delete/);
  });

  it('stops every process, keeps state across restarts and starts empty with fresh', async () => {
    const streamName = stack.resources.streams.InvoiceLineStream?.name ?? '';
    const tableName = stack.resources.tables.InvoiceTable?.name ?? '';
    const bucketName = stack.resources.buckets.RawEventsBucket?.name ?? '';
    await clients.kinesis.send(
      new PutRecordCommand({ StreamName: streamName, PartitionKey: '536365', Data: Buffer.from('line 1') }),
    );
    await clients.dynamodb.send(
      new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'INVOICE#536365' }, sk: { S: 'SUMMARY' } } }),
    );
    await clients.s3.send(new PutObjectCommand({ Bucket: bucketName, Key: 'kept.json', Body: '{"kept":true}' }));
    clients.destroy();

    await platform.stop();
    expectStoppedCompletely(stack);
    await expect(access(path.join(stateDir, 'stack.json'))).rejects.toThrow(/ENOENT/);
    expect((await readdir(stateDir)).sort()).toEqual([
      'builds',
      'dynamodb',
      'firehose',
      'glue',
      'kinesis',
      'platform.log',
      's3',
      'warehouse',
      'warehouse-logins.json',
    ]);

    const readBack = async (restarted: LocalPlatform) => {
      const restartedClients = createLocalAwsClients(restarted.stack.endpoints, restarted.stack.region);
      try {
        const item = await restartedClients.dynamodb.send(
          new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'INVOICE#536365' }, sk: { S: 'SUMMARY' } } }),
        );
        const object = await restartedClients.s3
          .send(new GetObjectCommand({ Bucket: bucketName, Key: 'kept.json' }))
          .then(
            (output) => output.Body?.transformToString(),
            () => undefined,
          );
        return { records: await readWholeStream(restartedClients, streamName), item: item.Item !== undefined, object };
      } finally {
        restartedClients.destroy();
      }
    };

    platform = await startLocalPlatform({ stateDir, quiet: 'silent', serviceDirs: [] });
    await expect(readBack(platform)).resolves.toEqual({ records: ['line 1'], item: true, object: '{"kept":true}' });
    await platform.stop();
    expectStoppedCompletely(platform.stack);

    platform = await startLocalPlatform({ stateDir, fresh: true, quiet: 'silent', serviceDirs: [] });
    await expect(readBack(platform)).resolves.toEqual({ records: [], item: false, object: undefined });
    await platform.stop();
    expectStoppedCompletely(platform.stack);
  });

  it('stops everything, saying what to do, when a process keeps dying', async () => {
    platform = await startLocalPlatform({ stateDir, quiet: 'silent', serviceDirs: [] });
    // The log file goes on from the earlier runs on this state directory: count what this run adds.
    const backAgain = async () =>
      [
        ...(await readFile(path.join(stateDir, 'platform.log'), 'utf8')).matchAll(
          /kinesalite is back on .* \(pid (\d+)\)\./g,
        ),
      ].map((match) => Number(match[1]));
    const before = (await backAgain()).length;
    let pid = platform.stack.processes.kinesalite ?? 0;
    for (let restart = 1; restart <= 3; restart += 1) {
      process.kill(pid, 'SIGKILL');
      const pids = await eventually(
        async () => {
          const found = await backAgain();
          expect(found.length).toBe(before + restart);
          return found;
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      pid = pids.at(-1) ?? 0;
    }
    process.kill(pid, 'SIGKILL');
    await expect(platform.failure).resolves.toBe(
      `kinesalite stopped 4 times within 5 minutes, so the local platform stops: restarting it does not help. Its last ` +
        `lines above say why. If its state in ${stateDir}/kinesis is damaged, move that folder away (or ` +
        '`npm start -- --fresh` starts with empty state); if another program took the port, stop it or choose another ' +
        'port (RETAIL_KINESIS_PORT).',
    );
    await expect(access(path.join(stateDir, 'stack.json'))).rejects.toThrow(/ENOENT/);
    expectStoppedCompletely(platform.stack);
  });
});
