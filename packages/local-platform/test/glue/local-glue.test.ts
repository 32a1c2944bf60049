import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import {
  GetCrawlerCommand,
  GetCrawlerMetricsCommand,
  GetDatabasesCommand,
  GetJobCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  type GlueClient,
  StartCrawlerCommand,
  type Partition,
} from '@aws-sdk/client-glue';
import { createGlueClient } from '@retail/adapters';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { InvoiceLineEvent } from '@retail/domain';
import { startLocalGlue, type LocalGlue } from '../../src/glue';
import { eventually, readSampleRows, sampleLines, startTestS3, type TestS3 } from '@retail/test-support';
import { glueTestDefinitions, TEST_ACCOUNT_ID, TEST_REGION, type GlueTestDefinitions } from './support/glue-template';

const run = promisify(execFile);
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

const dayOf = (line: InvoiceLineEvent) => line.invoiceDate.slice(0, 10);
const dayFolder = (day: string) =>
  `invoice-lines/year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}/`;
const ndjson = (lines: readonly unknown[]) => gzipSync(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
const partitionValues = (partitions: Partition[] | undefined) => (partitions ?? []).map((p) => p.Values!.join('-'));

let s3: TestS3;
let lines: InvoiceLineEvent[];
let days: string[];
let definitions: GlueTestDefinitions;

beforeAll(async () => {
  s3 = await startTestS3();
  lines = sampleLines(await readSampleRows());
  days = [...new Set(lines.map(dayOf))].sort();
  definitions = glueTestDefinitions();
});
afterAll(() => s3.close());

let buckets = 0;
const running: { glue: LocalGlue; client: GlueClient; stateDir: string }[] = [];
afterEach(async () => {
  for (const { glue, client, stateDir } of running.splice(0)) {
    client.destroy();
    await glue.stop();
    await rm(stateDir, { recursive: true, force: true });
  }
});

/** A raw bucket of its own holding the given days, as the local Firehose writes them (gzipped NDJSON, Hive folders). */
async function rawBucketWith(daysToWrite: readonly string[]): Promise<string> {
  const bucket = `${definitions.rawBucket}-${++buckets}`;
  await s3.createBucket(bucket);
  for (const day of daysToWrite) await putDay(bucket, day);
  return bucket;
}

async function putDay(bucket: string, day: string, extra: unknown[] = []): Promise<void> {
  // Whole prices first: a classifier that typed the column from its first values would say int.
  const ofDay = lines
    .filter((line) => dayOf(line) === day)
    .sort((a, b) => Number(Number.isInteger(b.unitPrice)) - Number(Number.isInteger(a.unitPrice)));
  const half = Math.ceil(ofDay.length / 2);
  const put = (name: string, body: Buffer) =>
    s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${dayFolder(day)}${name}`, Body: body }));
  // Two objects per day, as a day spread over two buffer flushes.
  await put('retail-test-raw-events-1-a.gz', ndjson(ofDay.slice(0, half)));
  await put(
    'retail-test-raw-events-1-b.gz',
    Buffer.concat([ndjson(ofDay.slice(half)), extra.length ? ndjson(extra) : Buffer.alloc(0)]),
  );
}

/** The local Glue over `bucket`, its crawler pointed at it, with a fresh state dir unless given one. */
async function startGlue(bucket: string, stateDir?: string, log: (message: string) => void = () => undefined) {
  const directory = stateDir ?? (await mkdtemp(path.join(tmpdir(), 'glue-test-state-')));
  const crawlers = definitions.crawlers.map((crawler) => ({
    ...crawler,
    s3Targets: crawler.s3Targets.map((target) => ({ ...target, bucket, path: `s3://${bucket}/${target.prefix}` })),
  }));
  const glue = await startLocalGlue({
    port: 0,
    stateDir: directory,
    s3Endpoint: s3.endpoint,
    region: TEST_REGION,
    accountId: TEST_ACCOUNT_ID,
    databases: definitions.databases,
    crawlers,
    jobs: definitions.jobs,
    log,
  });
  const client = createGlueClient({
    region: TEST_REGION,
    credentials: CREDENTIALS,
    endpoints: { glue: glue.endpoint },
    maxAttempts: 1,
  });
  running.push({ glue, client, stateDir: directory });
  return { glue, client, stateDir: directory };
}

const crawlerName = () => definitions.crawlers[0]!.name;
const databaseName = () => definitions.databases[0]!.name;

/** StartCrawler, then GetCrawler until it is READY again, as a client of AWS waits. */
async function crawl(client: GlueClient) {
  const before = (await client.send(new GetCrawlerCommand({ Name: crawlerName() }))).Crawler?.LastCrawl?.StartTime;
  await client.send(new StartCrawlerCommand({ Name: crawlerName() }));
  return eventually(
    async () => {
      const { Crawler } = await client.send(new GetCrawlerCommand({ Name: crawlerName() }));
      const finished = Crawler?.State === 'READY' && Crawler.LastCrawl?.StartTime?.getTime() !== before?.getTime();
      if (!finished) throw new Error(`crawler ${crawlerName()} is ${Crawler?.State}`);
      return Crawler;
    },
    { timeoutMs: 30_000 },
  );
}

describe('the local Glue, configured from resources/glue.yml', () => {
  it('serves the declared database and crawler in AWS shapes', async () => {
    const { client } = await startGlue(await rawBucketWith([]));
    const { DatabaseList } = await client.send(new GetDatabasesCommand({}));
    expect(DatabaseList?.map((database) => database.Name)).toEqual(['retail_test']);
    const { Crawler } = await client.send(new GetCrawlerCommand({ Name: crawlerName() }));
    expect(Crawler).toMatchObject({
      Name: 'retail-test-raw-events',
      DatabaseName: 'retail_test',
      State: 'READY',
      RecrawlPolicy: { RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
      SchemaChangePolicy: { UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' },
      Targets: {
        S3Targets: [
          { Path: expect.stringMatching(/^s3:\/\/retail-test-raw-events-000000000000-\d+\/invoice-lines\/$/) },
        ],
      },
    });
    const { Job } = await client.send(new GetJobCommand({ JobName: definitions.jobs[0]!.name }));
    expect(Job).toMatchObject({
      Command: { Name: 'pythonshell', PythonVersion: '3.9' },
      GlueVersion: '3.0',
      MaxCapacity: 0.0625,
      ExecutionProperty: { MaxConcurrentRuns: 1 },
      DefaultArguments: expect.objectContaining({ '--load_mode': 'new', '--merge_sql': 'CALL retail.merge_landing()' }),
    });
  });

  it("crawls the sample into one table with the canonical event's columns and types, one partition per day", async () => {
    const { client } = await startGlue(await rawBucketWith(days));
    const crawler = await crawl(client);
    expect(crawler.LastCrawl?.Status).toBe('SUCCEEDED');

    const { TableList } = await client.send(new GetTablesCommand({ DatabaseName: databaseName() }));
    expect(TableList?.map((table) => table.Name)).toEqual(['invoice_lines']);
    const table = TableList![0]!;
    // Lower-cased, as the Data Catalog stores names; in the event's order; nulls (customerId, description) ignored.
    expect(table.StorageDescriptor?.Columns?.map(({ Name, Type }) => ({ Name, Type }))).toEqual([
      { Name: 'lineid', Type: 'string' },
      { Name: 'invoiceno', Type: 'string' },
      { Name: 'lineno', Type: 'int' },
      { Name: 'stockcode', Type: 'string' },
      { Name: 'description', Type: 'string' },
      { Name: 'quantity', Type: 'int' },
      { Name: 'invoicedate', Type: 'string' },
      { Name: 'unitprice', Type: 'double' },
      { Name: 'customerid', Type: 'string' },
      { Name: 'country', Type: 'string' },
      { Name: 'linetotal', Type: 'double' },
      { Name: 'invoicekind', Type: 'string' },
      { Name: 'iscancellation', Type: 'boolean' },
      { Name: 'stockcodekind', Type: 'string' },
      { Name: 'isproduct', Type: 'boolean' },
    ]);
    expect(table.StorageDescriptor?.Columns?.map((column) => column.Name)).toEqual(
      Object.keys(lines[0]!).map((field) => field.toLowerCase()),
    );
    expect(lines.some((line) => line.customerId === null)).toBe(true);
    expect(table.PartitionKeys).toEqual([
      { Name: 'year', Type: 'string' },
      { Name: 'month', Type: 'string' },
      { Name: 'day', Type: 'string' },
    ]);
    expect(table.StorageDescriptor?.Location).toMatch(
      /^s3:\/\/retail-test-raw-events-000000000000-\d+\/invoice-lines\/$/,
    );
    expect(table.StorageDescriptor?.SerdeInfo?.SerializationLibrary).toBe('org.openx.data.jsonserde.JsonSerDe');
    expect(table.Parameters).toMatchObject({
      classification: 'json',
      compressionType: 'gzip',
      typeOfData: 'file',
      recordCount: String(lines.length),
      UPDATED_BY_CRAWLER: crawlerName(),
    });

    const { Partitions } = await client.send(
      new GetPartitionsCommand({ DatabaseName: databaseName(), TableName: 'invoice_lines' }),
    );
    expect(partitionValues(Partitions).sort()).toEqual(days);
    for (const partition of Partitions!) {
      const day = partition.Values!.join('-');
      expect(partition.StorageDescriptor?.Location).toBe(
        `${table.StorageDescriptor?.Location}${dayFolder(day).slice('invoice-lines/'.length)}`,
      );
      expect(partition.Parameters?.recordCount).toBe(String(lines.filter((line) => dayOf(line) === day).length));
    }
    const { Partitions: december } = await client.send(
      new GetPartitionsCommand({
        DatabaseName: databaseName(),
        TableName: 'invoice_lines',
        Expression: "year = '2010' AND month='12'",
      }),
    );
    expect(partitionValues(december).sort()).toEqual(days.filter((day) => day.startsWith('2010-12')));

    const { CrawlerMetricsList } = await client.send(
      new GetCrawlerMetricsCommand({ CrawlerNameList: [crawlerName()] }),
    );
    expect(CrawlerMetricsList?.[0]).toMatchObject({ CrawlerName: crawlerName(), TablesCreated: 1, TablesUpdated: 0 });
  });

  it('adds only the new day on a recrawl, keeps the schema (LOG), and reports a bad line with its file and line', async () => {
    const [newDay, ...earlier] = [...days].reverse();
    const bucket = await rawBucketWith(earlier.reverse());
    const warnings: string[] = [];
    const { client, stateDir } = await startGlue(bucket, undefined, (message) => warnings.push(message));
    await crawl(client);
    const before = await client.send(
      new GetPartitionsCommand({ DatabaseName: databaseName(), TableName: 'invoice_lines' }),
    );
    expect(partitionValues(before.Partitions).sort()).toEqual(earlier);

    // The new day brings a line that is not JSON (its 3rd line... of object b) and a field the table does not have.
    const newDayLine = { ...lines.find((line) => dayOf(line) === newDay)!, lineId: 'extra', promotion: 'x' };
    await putDay(bucket, newDay!, [newDayLine]);
    await s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${dayFolder(newDay!)}retail-test-raw-events-1-c.gz`,
        Body: gzipSync('{"lineId":"ok-1"}\n{"lineId":"ok-2"}\n{not json\n'),
      }),
    );
    const crawler = await crawl(client);
    expect(crawler.LastCrawl?.Status).toBe('SUCCEEDED');
    const after = await client.send(
      new GetPartitionsCommand({ DatabaseName: databaseName(), TableName: 'invoice_lines' }),
    );
    expect(partitionValues(after.Partitions).sort()).toEqual([...earlier, newDay].sort());
    expect(partitionValues(after.Partitions).filter((day) => !earlier.includes(day))).toEqual([newDay]);

    const { Table } = await client.send(new GetTableCommand({ DatabaseName: databaseName(), Name: 'invoice_lines' }));
    expect(Table?.StorageDescriptor?.Columns?.map((column) => column.Name)).not.toContain('promotion');
    const badLine = `s3://${bucket}/${dayFolder(newDay!)}retail-test-raw-events-1-c.gz line 3 is not JSON`;
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(badLine),
        expect.stringContaining('new column promotion string (SchemaChangePolicy.UpdateBehavior LOG: not applied)'),
      ]),
    );
    const log = await readFile(path.join(stateDir, 'logs', 'aws-glue', 'crawlers', `${crawlerName()}.log`), 'utf8');
    expect(log).toContain(badLine);

    // Nothing new: a third crawl adds nothing.
    await crawl(client);
    const third = await client.send(
      new GetPartitionsCommand({ DatabaseName: databaseName(), TableName: 'invoice_lines' }),
    );
    expect(third.Partitions?.length).toBe(after.Partitions?.length);
  });

  it('keeps the catalog under its state dir across restarts, and answers the AWS CLI', async () => {
    const bucket = await rawBucketWith(days.slice(0, 3));
    const first = await startGlue(bucket);
    await crawl(first.client);
    const { glue, client } = running.pop()!;
    client.destroy();
    await glue.stop();

    const second = await startGlue(bucket, first.stateDir);
    const { Partitions } = await second.client.send(
      new GetPartitionsCommand({ DatabaseName: databaseName(), TableName: 'invoice_lines' }),
    );
    expect(partitionValues(Partitions).sort()).toEqual(days.slice(0, 3));

    const { stdout } = await run(
      'aws',
      [
        'glue',
        'get-tables',
        '--database-name',
        databaseName(),
        '--endpoint-url',
        second.glue.endpoint,
        '--output',
        'json',
      ],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: TEST_REGION } },
    );
    const tables = (JSON.parse(stdout) as { TableList: { Name: string; PartitionKeys: { Name: string }[] }[] })
      .TableList;
    expect(tables.map((table) => table.Name)).toEqual(['invoice_lines']);
    expect(tables[0]!.PartitionKeys.map((key) => key.Name)).toEqual(['year', 'month', 'day']);
  });

  it('answers as AWS does for what it does not have', async () => {
    const { client, glue } = await startGlue(await rawBucketWith([]));
    await expect(client.send(new GetTablesCommand({ DatabaseName: 'nope' }))).rejects.toMatchObject({
      name: 'EntityNotFoundException',
    });
    await expect(client.send(new StartCrawlerCommand({ Name: 'nope' }))).rejects.toMatchObject({
      name: 'EntityNotFoundException',
    });
    // Started twice in the same tick: the second finds the first running.
    glue.service.startCrawler(crawlerName());
    expect(() => glue.service.startCrawler(crawlerName())).toThrow(/has already started/);
    await glue.service.idle();
  });
});
