import { isJsonObject, type JsonObject } from '../json-object';

/**
 * The Glue resources of the template (intrinsics resolved) as the local Glue runs them. Properties that only matter
 * on AWS (roles, tags, security configurations, capacity) are kept for Get* answers but change nothing; anything
 * the local Glue cannot reproduce is refused with its path, never silently skipped.
 */
export class GlueDefinitionError extends Error {
  override readonly name = 'GlueDefinitionError';
}

export interface LocalDatabaseDefinition {
  logicalId: string;
  name: string;
  description?: string;
  locationUri?: string;
  parameters: Record<string, string>;
}

export type RecrawlBehavior = 'CRAWL_EVERYTHING' | 'CRAWL_NEW_FOLDERS_ONLY';
export type UpdateBehavior = 'LOG' | 'UPDATE_IN_DATABASE';
export type DeleteBehavior = 'LOG' | 'DELETE_FROM_DATABASE';

export interface LocalS3Target {
  /** As declared, e.g. s3://retail-local-raw-events-000000000000/invoice-lines/. */
  path: string;
  bucket: string;
  /** The key prefix of the table's folder, ending in `/`. */
  prefix: string;
  /** Files crawled per leaf folder (all when undefined). */
  sampleSize?: number;
}

/** A JDBC target: `<database>/<schema>/<table pattern>` (`%` any run of characters) through a connection. */
export interface LocalJdbcTarget {
  connectionName: string;
  path: string;
  database: string;
  schema: string;
  tablePattern: string;
}

export interface LocalCrawlerDefinition {
  logicalId: string;
  name: string;
  role: string;
  databaseName: string;
  description?: string;
  s3Targets: LocalS3Target[];
  /** Crawled in the local warehouse, whatever connection they name (the platform has one warehouse). */
  jdbcTargets: LocalJdbcTarget[];
  tablePrefix: string;
  recrawlBehavior: RecrawlBehavior;
  updateBehavior: UpdateBehavior;
  deleteBehavior: DeleteBehavior;
  /** The cron expression AWS runs it on; locally `npm run batch` starts it. */
  schedule?: string;
  /** The Configuration JSON, as declared. */
  configuration?: string;
}

export interface LocalJobDefinition {
  logicalId: string;
  name: string;
  role: string;
  description?: string;
  /** A Python shell job: the local Glue runs its script under python3 (python-shell-run.ts). */
  command: { Name: 'pythonshell'; ScriptLocation: string; PythonVersion: string };
  glueVersion: string;
  /** DPUs: 0.0625 or 1 for a Python shell job; no local effect. */
  maxCapacity: number;
  defaultArguments: Record<string, string>;
  maxConcurrentRuns: number;
  /** Minutes a run may take before Glue stops it (TIMEOUT); AWS's default is 2,880 (48 hours). */
  timeoutMinutes: number;
  connections: string[];
  /** MaxRetries, ExecutionClass...: reported by GetJob, no local effect. */
  declared: JsonObject;
}

const where = (logicalId: string, path: string) => `${logicalId}.Properties${path}`;

export function parseDatabase(logicalId: string, properties: JsonObject): LocalDatabaseDefinition {
  refuseUnknown(properties, ['CatalogId', 'DatabaseInput', 'DatabaseName'], where(logicalId, ''));
  const input = objectAt(properties.DatabaseInput, where(logicalId, '.DatabaseInput'));
  const at = (path: string) => where(logicalId, `.DatabaseInput${path}`);
  refuseUnknown(input, ['Name', 'Description', 'LocationUri', 'Parameters'], at(''));
  return {
    logicalId,
    name: catalogName(requiredString(input.Name, at('.Name')), at('.Name')),
    description: optionalString(input.Description, at('.Description')),
    locationUri: optionalString(input.LocationUri, at('.LocationUri')),
    parameters: stringMap(input.Parameters, at('.Parameters')),
  };
}

export function parseCrawler(logicalId: string, properties: JsonObject): LocalCrawlerDefinition {
  const at = (path: string) => where(logicalId, path);
  refuseUnknown(
    properties,
    [
      'Name',
      'Role',
      'DatabaseName',
      'Description',
      'Targets',
      'Schedule',
      'TablePrefix',
      'SchemaChangePolicy',
      'RecrawlPolicy',
      'Configuration',
      'CrawlerSecurityConfiguration',
      'Tags',
      'Classifiers',
    ],
    at(''),
  );
  if (Array.isArray(properties.Classifiers) && properties.Classifiers.length > 0) {
    fail(at('.Classifiers'), 'names custom classifiers: the local Glue has only the built-in JSON classifier.');
  }
  const targets = objectAt(properties.Targets, at('.Targets'));
  refuseUnknown(targets, ['S3Targets', 'JdbcTargets'], at('.Targets'));
  const declaredTargets = listAt(targets.S3Targets, at('.Targets.S3Targets'));
  const declaredJdbcTargets = listAt(targets.JdbcTargets, at('.Targets.JdbcTargets'));
  if (declaredTargets.length + declaredJdbcTargets.length === 0)
    fail(at('.Targets'), 'must list at least one S3 or JDBC target.');
  const jdbcTargets = declaredJdbcTargets.map((target: unknown, index) => {
    const targetAt = at(`.Targets.JdbcTargets[${index}]`);
    const declared = objectAt(target, targetAt);
    refuseUnknown(declared, ['ConnectionName', 'Path'], targetAt);
    const path = requiredString(declared.Path, `${targetAt}.Path`);
    const parts = path.split('/');
    if (parts.length !== 3 || parts.some((part) => part === ''))
      fail(
        `${targetAt}.Path`,
        `${JSON.stringify(path)} must be <database>/<schema>/<table or %> for the local warehouse.`,
      );
    return {
      connectionName: requiredString(declared.ConnectionName, `${targetAt}.ConnectionName`),
      path,
      database: parts[0]!,
      schema: parts[1]!,
      tablePattern: parts[2]!,
    };
  });
  const s3Targets = declaredTargets.map((target: unknown, index) => {
    const targetAt = at(`.Targets.S3Targets[${index}]`);
    const declared = objectAt(target, targetAt);
    refuseUnknown(declared, ['Path', 'SampleSize'], targetAt);
    const path = requiredString(declared.Path, `${targetAt}.Path`);
    const match = /^s3:\/\/([^/]+)\/(.+?)\/?$/.exec(path);
    if (match === null)
      fail(`${targetAt}.Path`, `${JSON.stringify(path)} must be a folder, s3://<bucket>/<prefix>/ (Glue needs one).`);
    const sampleSize =
      declared.SampleSize === undefined ? undefined : integerAt(declared.SampleSize, `${targetAt}.SampleSize`, 1, 249);
    return { path, bucket: match[1]!, prefix: `${match[2]!}/`, sampleSize };
  });

  const recrawl =
    properties.RecrawlPolicy === undefined ? {} : objectAt(properties.RecrawlPolicy, at('.RecrawlPolicy'));
  const recrawlBehavior = oneOf(
    recrawl.RecrawlBehavior ?? 'CRAWL_EVERYTHING',
    ['CRAWL_EVERYTHING', 'CRAWL_NEW_FOLDERS_ONLY'] as const,
    at('.RecrawlPolicy.RecrawlBehavior'),
  );
  const policy =
    properties.SchemaChangePolicy === undefined
      ? {}
      : objectAt(properties.SchemaChangePolicy, at('.SchemaChangePolicy'));
  const updateBehavior = oneOf(
    policy.UpdateBehavior ?? 'UPDATE_IN_DATABASE',
    ['LOG', 'UPDATE_IN_DATABASE'] as const,
    at('.SchemaChangePolicy.UpdateBehavior'),
  );
  // AWS's default is DEPRECATE_IN_DATABASE, which the local Glue does not emulate: declare one of these.
  const deleteBehavior = oneOf(
    policy.DeleteBehavior ?? 'DEPRECATE_IN_DATABASE',
    ['LOG', 'DELETE_FROM_DATABASE'] as const,
    at('.SchemaChangePolicy.DeleteBehavior'),
  );
  if (recrawlBehavior === 'CRAWL_NEW_FOLDERS_ONLY' && (updateBehavior !== 'LOG' || deleteBehavior !== 'LOG')) {
    fail(
      at('.SchemaChangePolicy'),
      'must be LOG for both behaviours with RecrawlBehavior CRAWL_NEW_FOLDERS_ONLY, as AWS requires.',
    );
  }
  const schedule = properties.Schedule === undefined ? undefined : objectAt(properties.Schedule, at('.Schedule'));
  const configuration = optionalString(properties.Configuration, at('.Configuration'));
  if (configuration !== undefined) checkCrawlerConfiguration(configuration, s3Targets, at('.Configuration'));
  return {
    logicalId,
    name: requiredString(properties.Name, at('.Name')),
    role: requiredString(properties.Role, at('.Role')),
    databaseName: requiredString(properties.DatabaseName, at('.DatabaseName')),
    description: optionalString(properties.Description, at('.Description')),
    s3Targets,
    jdbcTargets,
    tablePrefix: optionalString(properties.TablePrefix, at('.TablePrefix')) ?? '',
    recrawlBehavior,
    updateBehavior,
    deleteBehavior,
    schedule:
      schedule === undefined
        ? undefined
        : optionalString(schedule.ScheduleExpression, at('.Schedule.ScheduleExpression')),
    configuration,
  };
}

/** The crawler Configuration settings whose behaviour the local crawler has anyway: one table per S3 target. */
function checkCrawlerConfiguration(text: string, targets: LocalS3Target[], at: string): void {
  let configuration: unknown;
  try {
    configuration = JSON.parse(text);
  } catch {
    fail(at, 'is not JSON.');
  }
  const declared = objectAt(configuration, at);
  refuseUnknown(declared, ['Version', 'Grouping', 'CrawlerOutput'], at);
  if (declared.Grouping !== undefined) {
    const grouping = objectAt(declared.Grouping, `${at} Grouping`);
    refuseUnknown(grouping, ['TableGroupingPolicy', 'TableLevelConfiguration'], `${at} Grouping`);
    if (grouping.TableGroupingPolicy !== undefined && grouping.TableGroupingPolicy !== 'CombineCompatibleSchemas') {
      fail(
        `${at} Grouping.TableGroupingPolicy`,
        'must be CombineCompatibleSchemas: the local crawler makes one table per target.',
      );
    }
    if (grouping.TableLevelConfiguration !== undefined) {
      for (const target of targets) {
        // The bucket is level 1: s3://bucket/invoice-lines/ puts the table at level 2.
        const level = 1 + target.prefix.split('/').filter(Boolean).length;
        if (grouping.TableLevelConfiguration !== level) {
          fail(
            `${at} Grouping.TableLevelConfiguration`,
            `is ${JSON.stringify(grouping.TableLevelConfiguration)}, but the local crawler puts the table at its target folder ${target.path} (level ${level}).`,
          );
        }
      }
    }
  }
  if (declared.CrawlerOutput !== undefined) {
    const output = objectAt(declared.CrawlerOutput, `${at} CrawlerOutput`);
    refuseUnknown(output, ['Partitions'], `${at} CrawlerOutput`);
    const partitions = objectAt(output.Partitions, `${at} CrawlerOutput.Partitions`);
    if (partitions.AddOrUpdateBehavior !== 'InheritFromTable') {
      fail(
        `${at} CrawlerOutput.Partitions.AddOrUpdateBehavior`,
        'must be InheritFromTable: local partitions take the table schema.',
      );
    }
  }
}

export function parseJob(logicalId: string, properties: JsonObject): LocalJobDefinition {
  const at = (path: string) => where(logicalId, path);
  refuseUnknown(
    properties,
    [
      'Name',
      'Role',
      'Description',
      'Command',
      'GlueVersion',
      'MaxCapacity',
      'DefaultArguments',
      'ExecutionProperty',
      'Connections',
      'Timeout',
      'MaxRetries',
      'Tags',
      'SecurityConfiguration',
      'ExecutionClass',
    ],
    at(''),
  );
  const command = objectAt(properties.Command, at('.Command'));
  refuseUnknown(command, ['Name', 'ScriptLocation', 'PythonVersion'], at('.Command'));
  // "For a Python shell job, it must be pythonshell" (AWS::Glue::Job JobCommand): a Spark job (glueetl) needs Spark.
  if (command.Name !== 'pythonshell')
    fail(
      at('.Command.Name'),
      `is ${JSON.stringify(command.Name)}: the local Glue runs Python shell jobs (pythonshell) under python3; it has no Spark for glueetl or gluestreaming.`,
    );
  // PythonVersion "Allowed values are 3 or 3.9" (JobCommand); 3 is Python 3.6, whose support ended on 2026-03-01.
  const pythonVersion = requiredString(command.PythonVersion, at('.Command.PythonVersion'));
  if (pythonVersion !== '3.9')
    fail(
      at('.Command.PythonVersion'),
      `is ${JSON.stringify(pythonVersion)}: declare '3.9' (Python shell 3.6 ended on 2026-03-01).`,
    );
  // "You can set the value to 0.0625 or 1. The default is 0.0625" (Python shell jobs, Maximum capacity).
  const maxCapacity = properties.MaxCapacity === undefined ? 0.0625 : Number(properties.MaxCapacity);
  if (maxCapacity !== 0.0625 && maxCapacity !== 1)
    fail(at('.MaxCapacity'), `is ${JSON.stringify(properties.MaxCapacity)}: a Python shell job takes 0.0625 or 1.`);
  const execution =
    properties.ExecutionProperty === undefined ? {} : objectAt(properties.ExecutionProperty, at('.ExecutionProperty'));
  refuseUnknown(execution, ['MaxConcurrentRuns'], at('.ExecutionProperty'));
  const connections = properties.Connections === undefined ? {} : objectAt(properties.Connections, at('.Connections'));
  const connectionNames = connections.Connections ?? [];
  if (!Array.isArray(connectionNames) || !connectionNames.every((name) => typeof name === 'string'))
    fail(at('.Connections.Connections'), 'must be a list of connection names.');
  return {
    logicalId,
    name: requiredString(properties.Name, at('.Name')),
    role: requiredString(properties.Role, at('.Role')),
    description: optionalString(properties.Description, at('.Description')),
    command: {
      Name: 'pythonshell',
      ScriptLocation: requiredString(command.ScriptLocation, at('.Command.ScriptLocation')),
      PythonVersion: pythonVersion,
    },
    glueVersion: requiredString(properties.GlueVersion, at('.GlueVersion')),
    maxCapacity,
    defaultArguments: stringMap(properties.DefaultArguments, at('.DefaultArguments')),
    maxConcurrentRuns: integerAt(execution.MaxConcurrentRuns ?? 1, at('.ExecutionProperty.MaxConcurrentRuns'), 1, 1000),
    timeoutMinutes: integerAt(properties.Timeout ?? 2880, at('.Timeout'), 1, 10080),
    connections: connectionNames as string[],
    declared: properties,
  };
}

/** Glue lower-cases catalog names; a name that is not already lower case would be found under another one. */
function catalogName(name: string, at: string): string {
  if (name !== name.toLowerCase())
    fail(at, `${JSON.stringify(name)} has upper-case letters: Glue stores catalog names in lower case.`);
  return name;
}

function fail(at: string, message: string): never {
  throw new GlueDefinitionError(`${at} ${message}`);
}

function refuseUnknown(value: JsonObject, known: readonly string[], at: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      fail(`${at}.${key}`, 'is not emulated by the local Glue: remove it or extend packages/local-platform/src/glue.');
  }
}

function listAt(value: unknown, at: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(at, `must be a list, got ${JSON.stringify(value)}.`);
  return value;
}

function objectAt(value: unknown, at: string): JsonObject {
  if (!isJsonObject(value))
    fail(at, `must be a mapping (with intrinsic functions resolved), got ${JSON.stringify(value)}.`);
  return value;
}

function requiredString(value: unknown, at: string): string {
  if (typeof value !== 'string' || value === '') fail(at, `must be a non-empty string, got ${JSON.stringify(value)}.`);
  return value;
}

function optionalString(value: unknown, at: string): string | undefined {
  return value === undefined ? undefined : requiredString(value, at);
}

function stringMap(value: unknown, at: string): Record<string, string> {
  if (value === undefined) return {};
  const map = objectAt(value, at);
  for (const [key, item] of Object.entries(map)) {
    if (typeof item !== 'string') fail(`${at}.${key}`, `must be a string, got ${JSON.stringify(item)}.`);
  }
  return map as Record<string, string>;
}

// CloudFormation accepts numbers written as strings; `sls print` may give either.
function integerAt(value: unknown, at: string, min: number, max: number): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max)
    fail(at, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}.`);
  return number;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], at: string): T {
  if (!allowed.includes(value as T))
    fail(at, `is ${JSON.stringify(value)}: the local Glue emulates ${allowed.join(' and ')}.`);
  return value as T;
}
