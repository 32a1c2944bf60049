import { parseCrawler, parseJob } from '../../src/glue/glue-resource-definitions';
import { JsonSchemaInference } from '../../src/glue/json-schema-inference';
import { glueTestDefinitions } from './support/glue-template';

describe("the crawler's JSON schema inference", () => {
  const columnsOf = (...records: Record<string, unknown>[]) => {
    const inference = new JsonSchemaInference();
    for (const record of records) inference.add(record);
    return inference.columns();
  };

  it('widens int to double once a value has a fraction, wherever it comes in the sample', () => {
    expect(columnsOf({ price: 2 }, { price: 3 }, { price: 2.55 })).toEqual([{ Name: 'price', Type: 'double' }]);
    expect(columnsOf({ n: 1 }, { n: 2 ** 40 })).toEqual([{ Name: 'n', Type: 'bigint' }]);
  });

  it('ignores nulls, lower-cases names, keeps first-seen order, and falls back to string on conflicts', () => {
    expect(columnsOf({ customerId: null, a: true }, { customerId: '17850', b: 1 }, { a: 'x' })).toEqual([
      { Name: 'customerid', Type: 'string' },
      { Name: 'a', Type: 'string' },
      { Name: 'b', Type: 'int' },
    ]);
    expect(columnsOf({ only: null })).toEqual([{ Name: 'only', Type: 'string' }]);
  });

  it('types nested objects and arrays as struct and array', () => {
    expect(columnsOf({ s: { x: 1, y: null }, l: [1, 2.5] }, { s: { y: 'a' } })).toEqual([
      { Name: 's', Type: 'struct<x:int,y:string>' },
      { Name: 'l', Type: 'array<double>' },
    ]);
  });
});

describe('the Glue definitions of resources/glue.yml', () => {
  it('reads the crawlers and the job as declared', () => {
    const { crawlers, jobs, databases } = glueTestDefinitions();
    expect(databases.map((database) => database.name)).toEqual(['retail_test']);
    expect(crawlers).toEqual([
      expect.objectContaining({
        recrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY',
        updateBehavior: 'LOG',
        deleteBehavior: 'LOG',
        s3Targets: [
          expect.objectContaining({ prefix: 'invoice-lines/', bucket: 'retail-test-raw-events-000000000000' }),
        ],
        jdbcTargets: [],
      }),
      // The warehouse's retail schema, through the connection (crawled in the local warehouse).
      expect.objectContaining({
        name: 'retail-test-warehouse',
        tablePrefix: 'warehouse_',
        s3Targets: [],
        jdbcTargets: [
          {
            connectionName: 'retail-test-warehouse',
            path: 'retail/retail/%',
            database: 'retail',
            schema: 'retail',
            tablePattern: '%',
          },
        ],
      }),
    ]);
    expect(jobs).toEqual([
      expect.objectContaining({
        name: 'retail-test-load-raw-to-warehouse',
        command: {
          Name: 'pythonshell',
          PythonVersion: '3.9',
          ScriptLocation: 's3://retail-test-artifacts-000000000000/glue/load-raw-to-warehouse.py',
        },
        glueVersion: '3.0',
        maxCapacity: 0.0625,
        maxConcurrentRuns: 1,
        timeoutMinutes: 60,
        // No connection: the job calls the Data API; only the warehouse crawler needs the JDBC connection.
        connections: [],
      }),
    ]);
  });

  const crawler = {
    Name: 'c',
    Role: 'arn:aws:iam::000000000000:role/r',
    DatabaseName: 'd',
    Targets: { S3Targets: [{ Path: 's3://b/invoice-lines/' }] },
    RecrawlPolicy: { RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
    SchemaChangePolicy: { UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' },
  };

  it('refuses what it cannot emulate, naming the property', () => {
    expect(() =>
      parseCrawler('Crawler', { ...crawler, Targets: { ...crawler.Targets, DynamoDBTargets: [{ Path: 'x' }] } }),
    ).toThrow('Crawler.Properties.Targets.DynamoDBTargets is not emulated by the local Glue');
    expect(() =>
      parseCrawler('Crawler', {
        ...crawler,
        Targets: { S3Targets: [{ Path: 's3://b/invoice-lines/', Exclusions: ['**.tmp'] }] },
      }),
    ).toThrow('Crawler.Properties.Targets.S3Targets[0].Exclusions is not emulated');
    expect(() =>
      parseCrawler('Crawler', { ...crawler, Configuration: '{"Grouping":{"TableLevelConfiguration":3}}' }),
    ).toThrow(/TableLevelConfiguration.*level 2/);
    const job = {
      Name: 'j',
      Role: 'r',
      GlueVersion: '3.0',
      Command: { Name: 'pythonshell', ScriptLocation: 's3://b/k', PythonVersion: '3.9' },
    };
    expect(parseJob('Job', job)).toMatchObject({ maxCapacity: 0.0625, timeoutMinutes: 2880 });
    expect(() => parseJob('Job', { ...job, Command: { ...job.Command, Name: 'glueetl' } })).toThrow(
      'Job.Properties.Command.Name is "glueetl": the local Glue runs Python shell jobs (pythonshell) under python3; it has no Spark for glueetl or gluestreaming.',
    );
    expect(() => parseJob('Job', { ...job, Command: { ...job.Command, PythonVersion: '3' } })).toThrow(
      /PythonVersion is "3": declare '3.9'/,
    );
    expect(() => parseJob('Job', { ...job, MaxCapacity: 2 })).toThrow(
      /MaxCapacity is 2: a Python shell job takes 0.0625 or 1/,
    );
    expect(() => parseJob('Job', { ...job, WorkerType: 'G.1X' })).toThrow('Job.Properties.WorkerType is not emulated');
  });

  it('refuses what AWS refuses: new folders only with a schema change policy other than LOG', () => {
    expect(() =>
      parseCrawler('Crawler', {
        ...crawler,
        SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' },
      }),
    ).toThrow(/must be LOG for both behaviours with RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY/);
  });
});
