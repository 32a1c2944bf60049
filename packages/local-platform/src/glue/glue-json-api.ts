import { AwsJsonError, awsJsonRequestListener, type JsonOperation } from '../aws-json-protocol';
import type { CatalogPartition } from './data-catalog';
import type { LocalGlueService } from './local-glue';

/**
 * The Glue API as the AWS SDK and CLI speak it (JSON 1.1, `X-Amz-Target: AWSGlue.<Operation>`): the Data Catalog's
 * read operations, the crawlers (get, start, metrics), the jobs' definitions and their runs (the script under
 * python3: python-shell-run.ts), in AWS's shapes and error types.
 */
const TARGET_PREFIX = 'AWSGlue.';
const REQUEST_BODY_MAX_BYTES = 1024 * 1024;

export function glueRequestListener(glue: LocalGlueService) {
  const { catalog } = glue;
  const databaseNamed = (name: unknown) => {
    const database = typeof name === 'string' ? catalog.database(name) : undefined;
    if (database === undefined)
      throw new AwsJsonError('EntityNotFoundException', `Database ${String(name)} not found.`);
    return database;
  };
  const tableNamed = (databaseName: unknown, name: unknown) => {
    const database = databaseNamed(databaseName);
    const table = typeof name === 'string' ? catalog.table(database.Name, name) : undefined;
    if (table === undefined)
      throw new AwsJsonError(
        'EntityNotFoundException',
        `Table ${String(name)} not found in database ${database.Name}.`,
      );
    return table;
  };
  const checkCatalogId = (request: Record<string, unknown>) => {
    if (request.CatalogId !== undefined && request.CatalogId !== catalog.catalogId) {
      throw new AwsJsonError(
        'EntityNotFoundException',
        `Catalog ${String(request.CatalogId)} not found: the local Glue holds catalog ${catalog.catalogId}.`,
      );
    }
  };

  const describeCrawler = (name: string) => {
    const crawler = glue.crawler(name);
    const record = glue.crawlerRecord(name);
    return {
      Name: crawler.name,
      Role: crawler.role,
      Targets: {
        S3Targets: crawler.s3Targets.map((target) => ({
          Path: target.path,
          Exclusions: [],
          ...(target.sampleSize === undefined ? {} : { SampleSize: target.sampleSize }),
        })),
        JdbcTargets: crawler.jdbcTargets.map((target) => ({
          ConnectionName: target.connectionName,
          Path: target.path,
          Exclusions: [],
        })),
        MongoDBTargets: [],
        DynamoDBTargets: [],
        CatalogTargets: [],
        DeltaTargets: [],
        IcebergTargets: [],
        HudiTargets: [],
      },
      DatabaseName: crawler.databaseName,
      ...(crawler.description === undefined ? {} : { Description: crawler.description }),
      Classifiers: [],
      RecrawlPolicy: { RecrawlBehavior: crawler.recrawlBehavior },
      SchemaChangePolicy: { UpdateBehavior: crawler.updateBehavior, DeleteBehavior: crawler.deleteBehavior },
      LineageConfiguration: { CrawlerLineageSettings: 'DISABLE' },
      State: record.State,
      TablePrefix: crawler.tablePrefix,
      // Locally nothing runs on a schedule: `npm run batch` starts the crawl.
      ...(crawler.schedule === undefined
        ? {}
        : { Schedule: { ScheduleExpression: crawler.schedule, State: 'NOT_SCHEDULED' } }),
      CrawlElapsedTime:
        record.runningSince === undefined ? 0 : Math.round((Date.now() / 1000 - record.runningSince) * 1000),
      CreationTime: record.CreationTime,
      LastUpdated: record.LastUpdated,
      ...(record.LastCrawl === undefined ? {} : { LastCrawl: record.LastCrawl }),
      Version: record.Version,
      ...(crawler.configuration === undefined ? {} : { Configuration: crawler.configuration }),
      LakeFormationConfiguration: { UseLakeFormationCredentials: false, AccountId: '' },
    };
  };

  const describeJob = (name: string) => {
    const job = glue.job(name);
    const declared = job.declared;
    const pick = (key: string) => (declared[key] === undefined ? {} : { [key]: declared[key] });
    return {
      Name: job.name,
      JobMode: 'SCRIPT',
      ...(job.description === undefined ? {} : { Description: job.description }),
      Role: job.role,
      CreatedOn: 0,
      LastModifiedOn: 0,
      ExecutionProperty: { MaxConcurrentRuns: job.maxConcurrentRuns },
      Command: job.command,
      DefaultArguments: job.defaultArguments,
      Connections: { Connections: job.connections },
      GlueVersion: job.glueVersion,
      MaxCapacity: job.maxCapacity,
      Timeout: job.timeoutMinutes,
      ...pick('MaxRetries'),
      ...pick('ExecutionClass'),
    };
  };

  const operations: Record<string, JsonOperation> = {
    async GetDatabases(request) {
      checkCatalogId(request);
      return page(catalog.databases(), request, 'DatabaseList');
    },
    async GetDatabase(request) {
      checkCatalogId(request);
      return { Database: databaseNamed(required(request, 'Name')) };
    },
    async GetTables(request) {
      checkCatalogId(request);
      const database = databaseNamed(required(request, 'DatabaseName'));
      const pattern = request.Expression === undefined ? undefined : namePattern(String(request.Expression));
      const tables = catalog.tables(database.Name).filter((table) => pattern === undefined || pattern.test(table.Name));
      return page(tables, request, 'TableList');
    },
    async GetTable(request) {
      checkCatalogId(request);
      return { Table: tableNamed(required(request, 'DatabaseName'), required(request, 'Name')) };
    },
    async GetPartitions(request) {
      checkCatalogId(request);
      const table = tableNamed(required(request, 'DatabaseName'), required(request, 'TableName'));
      const keys = table.PartitionKeys.map((key) => key.Name);
      const filter = request.Expression === undefined ? undefined : partitionFilter(String(request.Expression), keys);
      const partitions = catalog
        .partitions(table.DatabaseName, table.Name)
        .filter((partition) => filter === undefined || filter(partition));
      return page(partitions, request, 'Partitions');
    },
    async GetPartition(request) {
      checkCatalogId(request);
      const table = tableNamed(required(request, 'DatabaseName'), required(request, 'TableName'));
      const values = request.PartitionValues;
      const partition = Array.isArray(values)
        ? catalog
            .partitions(table.DatabaseName, table.Name)
            .find((p) => p.Values.length === values.length && p.Values.every((v, i) => v === values[i]))
        : undefined;
      if (partition === undefined) throw new AwsJsonError('EntityNotFoundException', 'Cannot find partition.');
      return { Partition: partition };
    },
    async GetCrawler(request) {
      return { Crawler: describeCrawler(String(required(request, 'Name'))) };
    },
    async GetCrawlers(request) {
      return page(
        [...glue.crawlers.keys()].sort().map((name) => describeCrawler(name)),
        request,
        'Crawlers',
      );
    },
    async ListCrawlers(request) {
      return page([...glue.crawlers.keys()].sort(), request, 'CrawlerNames');
    },
    async StartCrawler(request) {
      glue.startCrawler(required(request, 'Name'));
      return {};
    },
    async GetCrawlerMetrics(request) {
      const names = Array.isArray(request.CrawlerNameList)
        ? request.CrawlerNameList.map((name) => glue.crawler(name).name)
        : [...glue.crawlers.keys()].sort();
      const metrics = names.map((name) => {
        const record = glue.crawlerRecord(name);
        const runtimes = [...record.runtimes].sort((a, b) => a - b);
        return {
          CrawlerName: name,
          TimeLeftSeconds: 0,
          StillEstimating: record.State === 'RUNNING',
          LastRuntimeSeconds: record.runtimes.at(-1) ?? 0,
          MedianRuntimeSeconds: runtimes.length === 0 ? 0 : runtimes[Math.floor(runtimes.length / 2)]!,
          TablesCreated: record.lastOutcome?.tablesCreated ?? 0,
          TablesUpdated: record.lastOutcome?.tablesUpdated ?? 0,
          TablesDeleted: record.lastOutcome?.tablesDeleted ?? 0,
        };
      });
      return page(metrics, request, 'CrawlerMetricsList');
    },
    async GetJob(request) {
      return { Job: describeJob(String(required(request, 'JobName'))) };
    },
    async StartJobRun(request) {
      const runArguments = request.Arguments ?? {};
      if (typeof runArguments !== 'object' || runArguments === null || Array.isArray(runArguments))
        throw new AwsJsonError('InvalidInputException', 'Arguments must be a map of strings.');
      return { JobRunId: glue.startJobRun(required(request, 'JobName'), runArguments as Record<string, string>) };
    },
    async GetJobRun(request) {
      return { JobRun: glue.jobRun(required(request, 'JobName'), required(request, 'RunId')) };
    },
    async GetJobRuns(request) {
      return page(glue.jobRuns(required(request, 'JobName')), request, 'JobRuns');
    },
    async GetJobs(request) {
      return page(
        [...glue.jobs.keys()].sort().map((name) => describeJob(name)),
        request,
        'Jobs',
      );
    },
  };

  return awsJsonRequestListener({
    emulator: 'the local Glue',
    targetPrefix: TARGET_PREFIX,
    operations,
    maxBodyBytes: REQUEST_BODY_MAX_BYTES,
    internalErrorType: 'InternalServiceException',
  });
}

function required(request: Record<string, unknown>, key: string): unknown {
  const value = request[key];
  if (value === undefined || value === '') throw new AwsJsonError('InvalidInputException', `${key} is required.`);
  return value;
}

/** MaxResults / NextToken paging; the token is the index of the next item. */
function page<T>(items: T[], request: Record<string, unknown>, listKey: string): Record<string, unknown> {
  const max = request.MaxResults === undefined ? 1000 : Number(request.MaxResults);
  if (!Number.isInteger(max) || max < 1 || max > 1000)
    throw new AwsJsonError('InvalidInputException', 'MaxResults must be from 1 to 1000.');
  let start = 0;
  if (request.NextToken !== undefined && request.NextToken !== '') {
    start = Number(Buffer.from(String(request.NextToken), 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0)
      throw new AwsJsonError('InvalidInputException', 'NextToken is not a token this API gave.');
  }
  const end = start + max;
  return {
    [listKey]: items.slice(start, end),
    ...(end < items.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}),
  };
}

/** GetTables' Expression: a regular expression on the name, `*` also standing for any run of characters. */
function namePattern(expression: string): RegExp {
  try {
    return new RegExp(`^(?:${expression.replace(/(^|[^.])\*/g, '$1.*')})$`, 'i');
  } catch {
    throw new AwsJsonError('InvalidInputException', `Expression ${JSON.stringify(expression)} is not a pattern.`);
  }
}

/**
 * GetPartitions' Expression, the part of its SQL-like syntax a job uses: comparisons of a partition key with a
 * literal (`year = '2011' AND month >= '06'`), joined by AND. Anything else is refused, never ignored.
 */
export function partitionFilter(expression: string, keys: string[]): (partition: CatalogPartition) => boolean {
  const comparisons = expression.split(/\s+AND\s+/i).map((part) => {
    const match = /^\s*\(?\s*([A-Za-z_][\w]*)\s*(=|<>|!=|<=|>=|<|>)\s*('(?:[^']|'')*'|-?\d+(?:\.\d+)?)\s*\)?\s*$/.exec(
      part,
    );
    if (match === null) {
      throw new AwsJsonError(
        'InvalidInputException',
        `Expression ${JSON.stringify(expression)}: the local Glue filters partitions by <key> <op> <literal> joined by AND (op one of = <> != < <= > >=).`,
      );
    }
    const [, key, operator, literal] = match as unknown as [string, string, string, string];
    const index = keys.indexOf(key.toLowerCase());
    if (index < 0)
      throw new AwsJsonError(
        'InvalidInputException',
        `Expression names ${key}, which is not a partition key (${keys.join(', ')}).`,
      );
    const value = literal.startsWith("'") ? literal.slice(1, -1).replaceAll("''", "'") : literal;
    return (partition: CatalogPartition) => {
      const actual = partition.Values[index] ?? '';
      const order = actual < value ? -1 : actual > value ? 1 : 0;
      switch (operator) {
        case '=':
          return order === 0;
        case '<>':
        case '!=':
          return order !== 0;
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        default:
          return order >= 0;
      }
    };
  });
  return (partition) => comparisons.every((matches) => matches(partition));
}
