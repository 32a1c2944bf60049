import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  epochSeconds,
  partitionKey,
  type CatalogPartition,
  type CatalogTable,
  type DataCatalog,
  type StorageDescriptor,
} from './data-catalog';
import type { LocalCrawlerDefinition, LocalS3Target } from './glue-resource-definitions';
import type { CatalogColumn } from './json-schema-inference';
import { JsonSchemaInference } from './json-schema-inference';
import { decodeObject, describeProblem, ndjsonLines, type NdjsonLineProblem } from './ndjson-object';

/** What one crawl did, for LastCrawl, GetCrawlerMetrics and `npm run batch`. */
export interface CrawlOutcome {
  tablesCreated: number;
  tablesUpdated: number;
  tablesDeleted: number;
  partitionsAdded: string[][];
  partitionsRemoved: string[][];
  objectsRead: number;
  recordsRead: number;
  /** Lines that are not JSON objects, files that do not fit the table: reported, the rest is crawled. */
  problems: string[];
  /** What the schema change policy kept from changing (LOG). */
  logged: string[];
}

// Glue's built-in classifiers read the start of a file to infer its schema; the whole file is still counted.
export const SCHEMA_SAMPLE_BYTES = 1024 * 1024;
const PARALLEL_READS = 8;
const JSON_SERDE = 'org.openx.data.jsonserde.JsonSerDe';

interface S3Object {
  key: string;
  size: number;
}

interface Folder {
  /** Key prefix of the folder, ending in `/`. */
  prefix: string;
  /** The folder names between the table's folder and the files, e.g. ["year=2010", "month=12", "day=01"]. */
  segments: string[];
  objects: S3Object[];
}

interface FolderRead {
  folder: Folder;
  values: string[];
  inference: JsonSchemaInference;
  records: number;
  bytes: number;
  compressionType: 'gzip' | 'none';
}

export function emptyCrawlOutcome(): CrawlOutcome {
  return {
    tablesCreated: 0,
    tablesUpdated: 0,
    tablesDeleted: 0,
    partitionsAdded: [],
    partitionsRemoved: [],
    objectsRead: 0,
    recordsRead: 0,
    problems: [],
    logged: [],
  };
}

/** Crawls every S3 target of the crawler into its database: one table per target, one partition per leaf folder. */
export async function crawlS3Targets(
  crawler: LocalCrawlerDefinition,
  s3: S3Client,
  catalog: DataCatalog,
  outcome: CrawlOutcome,
): Promise<void> {
  for (const target of crawler.s3Targets) await crawlTarget(crawler, target, s3, catalog, outcome);
}

/** Glue names the table after the target folder: lower case, anything but letters, digits and _ as _. */
export function tableNameOf(crawler: LocalCrawlerDefinition, target: LocalS3Target): string {
  const folder = target.prefix.split('/').filter(Boolean).at(-1) ?? target.bucket;
  return `${crawler.tablePrefix}${folder}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

async function crawlTarget(
  crawler: LocalCrawlerDefinition,
  target: LocalS3Target,
  s3: S3Client,
  catalog: DataCatalog,
  outcome: CrawlOutcome,
): Promise<void> {
  const tableName = tableNameOf(crawler, target);
  const existing = catalog.table(crawler.databaseName, tableName);
  const folders = foldersOf(await listObjects(s3, target), target);
  const partitionKeys = existing?.PartitionKeys.map((key) => key.Name) ?? partitionKeysOf(folders);
  const fitting = folders.filter((folder) => {
    if (fitsPartitionKeys(folder, partitionKeys)) return true;
    outcome.problems.push(
      `s3://${target.bucket}/${folder.prefix} does not fit table ${tableName}'s partitions (${partitionKeys.join('/') || 'none'}): not crawled (Glue would make another table of it)`,
    );
    return false;
  });
  const known = new Set(catalog.partitions(crawler.databaseName, tableName).map((p) => partitionKey(p.Values)));
  const newFoldersOnly = existing !== undefined && crawler.recrawlBehavior === 'CRAWL_NEW_FOLDERS_ONLY';
  const toRead = newFoldersOnly ? fitting.filter((folder) => !known.has(partitionKey(valuesOf(folder)))) : fitting;

  const reads = await mapInParallel(toRead, PARALLEL_READS, (folder) => readFolder(s3, target, folder, outcome));
  const withRecords = reads.filter((read) => read.records > 0);
  const inference = new JsonSchemaInference();
  for (const read of withRecords) inference.merge(read.inference);

  const now = epochSeconds();
  let table: CatalogTable;
  if (existing === undefined) {
    if (withRecords.length === 0) {
      outcome.problems.push(`s3://${target.bucket}/${target.prefix} holds no JSON records: no table created`);
      return;
    }
    table = {
      ...newTable(crawler, target, tableName, inference, partitionKeys, withRecords, now),
      CatalogId: catalog.catalogId,
    };
    outcome.tablesCreated += 1;
  } else {
    table = existing;
    const inferred = inference.columns();
    const added = inferred.filter((column) => !existing.StorageDescriptor.Columns.some((c) => c.Name === column.Name));
    const changed = inferred.filter((column) =>
      existing.StorageDescriptor.Columns.some((c) => c.Name === column.Name && c.Type !== column.Type),
    );
    if (added.length > 0 || changed.length > 0) {
      const change = [
        ...added.map((c) => `new column ${c.Name} ${c.Type}`),
        ...changed.map((c) => `${c.Name} now ${c.Type}`),
      ];
      if (crawler.updateBehavior === 'LOG') {
        outcome.logged.push(
          `table ${tableName}: ${change.join(', ')} (SchemaChangePolicy.UpdateBehavior LOG: not applied)`,
        );
      } else {
        const columns = existing.StorageDescriptor.Columns.map(
          (column) => changed.find((c) => c.Name === column.Name) ?? column,
        ).concat(added);
        table = withColumns(existing, columns, now);
        outcome.tablesUpdated += 1;
      }
    }
  }

  const addPartitions = withRecords
    .filter((read) => !known.has(partitionKey(read.values)))
    .map((read): CatalogPartition => ({
      Values: read.values,
      DatabaseName: table.DatabaseName,
      TableName: table.Name,
      CreationTime: now,
      LastAccessTime: 0,
      // CrawlerOutput InheritFromTable: a partition has the table's columns.
      StorageDescriptor: storageDescriptor(
        table.StorageDescriptor.Columns,
        `s3://${target.bucket}/${read.folder.prefix}`,
        fileParameters(crawler, [read]),
      ),
      Parameters: fileParameters(crawler, [read]),
      CatalogId: catalog.catalogId,
    }));
  const present = new Set(fitting.map((folder) => partitionKey(valuesOf(folder))));
  const gone = newFoldersOnly ? [] : [...known].filter((key) => !present.has(key)).map((key) => key.split('/'));
  if (gone.length > 0 && crawler.deleteBehavior === 'LOG') {
    outcome.logged.push(
      `table ${tableName}: ${gone.length} partition folder(s) gone (SchemaChangePolicy.DeleteBehavior LOG: partitions kept)`,
    );
  }
  const removePartitions = crawler.deleteBehavior === 'DELETE_FROM_DATABASE' ? gone : [];
  if (addPartitions.length > 0 || removePartitions.length > 0 || table !== existing) {
    await catalog.applyCrawl({ table, addPartitions, removePartitions });
  }
  outcome.partitionsAdded.push(...addPartitions.map((partition) => partition.Values));
  outcome.partitionsRemoved.push(...removePartitions);
}

async function listObjects(s3: S3Client, target: LocalS3Target): Promise<S3Object[]> {
  const objects: S3Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: target.bucket, Prefix: target.prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) objects.push({ key: object.Key!, size: object.Size ?? 0 });
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return objects;
}

/** Leaf folders in key order; folder markers and hidden files (`_SUCCESS`, `.tmp`) are skipped, as Glue skips them. */
function foldersOf(objects: S3Object[], target: LocalS3Target): Folder[] {
  const folders = new Map<string, Folder>();
  for (const object of objects) {
    const name = object.key.slice(object.key.lastIndexOf('/') + 1);
    if (name === '' || name.startsWith('_') || name.startsWith('.')) continue;
    const prefix = object.key.slice(0, object.key.length - name.length);
    let folder = folders.get(prefix);
    if (folder === undefined) {
      folder = { prefix, segments: prefix.slice(target.prefix.length).split('/').filter(Boolean), objects: [] };
      folders.set(prefix, folder);
    }
    folder.objects.push(object);
  }
  return [...folders.values()].sort((a, b) => a.prefix.localeCompare(b.prefix));
}

/** Hive folders (`year=2010`) name their key; other levels are partition_0, partition_1... as Glue names them. */
function partitionKeysOf(folders: Folder[]): string[] {
  const depth = folders[0]?.segments.length ?? 0;
  return Array.from({ length: depth }, (_, level) => {
    const names = new Set(folders.filter((f) => f.segments.length === depth).map((f) => hiveKeyOf(f.segments[level]!)));
    const [name] = names;
    return names.size === 1 && name !== undefined ? name : `partition_${level}`;
  });
}

function hiveKeyOf(segment: string): string | undefined {
  const at = segment.indexOf('=');
  return at > 0 ? segment.slice(0, at).toLowerCase() : undefined;
}

function fitsPartitionKeys(folder: Folder, keys: string[]): boolean {
  return (
    folder.segments.length === keys.length &&
    folder.segments.every((segment, level) => {
      const key = hiveKeyOf(segment);
      return key === undefined ? keys[level] === `partition_${level}` : key === keys[level];
    })
  );
}

function valuesOf(folder: Folder): string[] {
  return folder.segments.map((segment) =>
    hiveKeyOf(segment) === undefined ? segment : segment.slice(segment.indexOf('=') + 1),
  );
}

async function readFolder(
  s3: S3Client,
  target: LocalS3Target,
  folder: Folder,
  outcome: CrawlOutcome,
): Promise<FolderRead> {
  const inference = new JsonSchemaInference();
  let records = 0;
  let bytes = 0;
  let compressionType: 'gzip' | 'none' = 'none';
  const objects = target.sampleSize === undefined ? folder.objects : folder.objects.slice(0, target.sampleSize);
  for (const object of objects) {
    const response = await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: object.key }));
    const body = Buffer.from(await response.Body!.transformToByteArray());
    let decoded;
    try {
      decoded = decodeObject(body, object.key);
    } catch (error) {
      outcome.problems.push(`s3://${target.bucket}/${(error as Error).message}: skipped`);
      continue;
    }
    if (decoded.compressionType === 'gzip') compressionType = 'gzip';
    const problems: NdjsonLineProblem[] = [];
    let sampled = 0;
    for (const { record } of ndjsonLines(decoded.text, object.key, problems)) {
      records += 1;
      // Lines are sampled until the first SCHEMA_SAMPLE_BYTES; counting goes on.
      if (sampled < SCHEMA_SAMPLE_BYTES) {
        inference.add(record);
        sampled += JSON.stringify(record).length + 1;
      }
    }
    outcome.problems.push(...problems.map((problem) => describeProblem(target.bucket, problem)));
    bytes += object.size;
    outcome.objectsRead += 1;
  }
  outcome.recordsRead += records;
  return { folder, values: valuesOf(folder), inference, records, bytes, compressionType };
}

function newTable(
  crawler: LocalCrawlerDefinition,
  target: LocalS3Target,
  name: string,
  inference: JsonSchemaInference,
  partitionKeys: string[],
  reads: FolderRead[],
  now: number,
): CatalogTable {
  const parameters = fileParameters(crawler, reads);
  return {
    Name: name,
    DatabaseName: crawler.databaseName,
    Owner: 'owner',
    CreateTime: now,
    UpdateTime: now,
    LastAccessTime: now,
    Retention: 0,
    StorageDescriptor: storageDescriptor(inference.columns(), `s3://${target.bucket}/${target.prefix}`, parameters),
    // Glue types the values of Hive folders as strings.
    PartitionKeys: partitionKeys.map((key) => ({ Name: key, Type: 'string' })),
    TableType: 'EXTERNAL_TABLE',
    Parameters: parameters,
    CreatedBy: crawler.role,
    IsRegisteredWithLakeFormation: false,
    CatalogId: '',
    VersionId: '0',
  };
}

function withColumns(table: CatalogTable, columns: CatalogColumn[], now: number): CatalogTable {
  return {
    ...table,
    UpdateTime: now,
    VersionId: String(Number(table.VersionId) + 1),
    StorageDescriptor: storageDescriptor(columns, table.StorageDescriptor.Location, table.StorageDescriptor.Parameters),
  };
}

function storageDescriptor(
  columns: CatalogColumn[],
  location: string,
  parameters: Record<string, string>,
): StorageDescriptor {
  return {
    Columns: columns,
    Location: location,
    InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
    OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
    Compressed: parameters.compressionType !== 'none',
    NumberOfBuckets: -1,
    SerdeInfo: {
      SerializationLibrary: JSON_SERDE,
      Parameters: {
        paths: columns
          .map((c) => c.Name)
          .sort()
          .join(','),
      },
    },
    BucketColumns: [],
    SortColumns: [],
    Parameters: parameters,
    StoredAsSubDirectories: false,
  };
}

/** The parameters a Glue crawler writes on tables and partitions of files. */
function fileParameters(crawler: LocalCrawlerDefinition, reads: FolderRead[]): Record<string, string> {
  const records = reads.reduce((sum, read) => sum + read.records, 0);
  const bytes = reads.reduce((sum, read) => sum + read.bytes, 0);
  return {
    classification: 'json',
    compressionType: reads.some((read) => read.compressionType === 'gzip') ? 'gzip' : 'none',
    typeOfData: 'file',
    objectCount: String(reads.reduce((sum, read) => sum + read.folder.objects.length, 0)),
    recordCount: String(records),
    sizeKey: String(bytes),
    averageRecordSize: String(records === 0 ? 0 : Math.round(bytes / records)),
    UPDATED_BY_CRAWLER: crawler.name,
    CrawlerSchemaSerializerVersion: '1.0',
    CrawlerSchemaDeserializerVersion: '1.0',
  };
}

async function mapInParallel<T, R>(items: T[], parallel: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return results;
}
