import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyTextLine, parseJsonpaths, readTargetColumns, recordToRow } from '../redshift-data/copy-rows';
import type { CopyOptions } from '../redshift-data/copy-statement';
import { jsonpathsDocument, mergeLanding, readLandingColumns } from '../warehouse';
import type { DataCatalog } from './data-catalog';
import { decodeObject } from './ndjson-object';

/**
 * The Glue job resources/glue/load-raw-to-warehouse.py, run locally: the catalog table's objects that the job's
 * bookmark has not seen, read from the local S3, COPYed (FROM STDIN) into the landing table in one transaction, then
 * the shared merge. Its inputs are the job's arguments and the files the script reads: landing-columns.yml and
 * merge-landing.sql (from the repository: nothing uploads them to the local S3).
 */
export interface LoadJobArguments {
  catalogDatabase: string;
  catalogTable: string;
  landingTable: string;
  /** job-bookmark-enable, or job-bookmark-disable (`npm run batch -- --full`): read every object, keep the bookmark. */
  bookmark: 'job-bookmark-enable' | 'job-bookmark-disable';
}

/** What the bookmark keeps: each object read, by key, with the ETag it had (a rewritten object is read again). */
export type JobBookmark = Record<string, string>;

export interface LoadJobProgress {
  partitionsTotal: number;
  partitionsDone: number;
  objectsTotal: number;
  objectsDone: number;
  rowsLoaded: number;
  /** `s3://bucket/key line n: why`: rows not loaded; the rest is. */
  problems: string[];
}

export interface LoadJobOutcome extends LoadJobProgress {
  /** The bookmark after the run (unchanged with job-bookmark-disable). */
  bookmark: JobBookmark;
}

// The COPY the Redshift connector issues from the job's staged rows reads ISO timestamps; values are checked as Redshift would.
const COPY_OPTIONS: CopyOptions = {
  json: { kind: 'auto', ignoreCase: false },
  gzip: false,
  timeFormatAuto: true,
  maxError: 0,
  truncateColumns: false,
  emptyAsNull: false,
  blanksAsNull: false,
};

export async function runLocalLoadJob(options: {
  arguments: LoadJobArguments;
  catalog: DataCatalog;
  s3: S3Client;
  warehouseUrl: string;
  bookmark: JobBookmark;
  onProgress: (progress: LoadJobProgress) => Promise<void>;
}): Promise<LoadJobOutcome> {
  const { catalogDatabase, catalogTable } = options.arguments;
  const table = options.catalog.table(catalogDatabase, catalogTable);
  if (table === undefined) {
    throw new Error(
      `Table ${catalogTable} is not in database ${catalogDatabase}: run the crawler first (npm run batch crawls, then loads).`,
    );
  }
  const landing = await readLandingColumns();
  if (landing.table !== options.arguments.landingTable) {
    throw new Error(
      `The job loads ${options.arguments.landingTable}, but landing-columns.yml describes ${landing.table}: align --landing_table with it.`,
    );
  }
  const useBookmark = options.arguments.bookmark === 'job-bookmark-enable';
  const todo: { partition: string; bucket: string; key: string; etag: string }[] = [];
  for (const partition of options.catalog.partitions(catalogDatabase, catalogTable)) {
    const { bucket, prefix } = s3Location(partition.StorageDescriptor.Location);
    for (const object of await listObjects(options.s3, bucket, prefix)) {
      const name = object.key.slice(object.key.lastIndexOf('/') + 1);
      if (name.startsWith('_') || name.startsWith('.')) continue;
      if (useBookmark && options.bookmark[object.key] === object.etag) continue;
      todo.push({ partition: partition.Values.join('/'), bucket, key: object.key, etag: object.etag });
    }
  }
  const progress: LoadJobProgress = {
    partitionsTotal: new Set(todo.map((object) => object.partition)).size,
    partitionsDone: 0,
    objectsTotal: todo.length,
    objectsDone: 0,
    rowsLoaded: 0,
    problems: [],
  };
  await options.onProgress(progress);
  const bookmark = { ...options.bookmark };
  if (todo.length === 0) return { ...progress, bookmark };
  const lastObjectOf = new Map(todo.map((object) => [object.partition, object.key]));

  const client = new Client({ connectionString: options.warehouseUrl });
  await client.connect();
  try {
    const columns = await readTargetColumns(
      client,
      landing.table,
      landing.columns.map((column) => column.name),
    );
    const locator = parseJsonpaths(JSON.stringify(jsonpathsDocument(landing)), columns.length, 'landing-columns.yml');
    const columnList = columns.map((column) => `"${column.name}"`).join(', ');
    // Every object of the run in one transaction: the landing table gets all of this run's rows or none.
    await client.query('BEGIN');
    try {
      for (const object of todo) {
        const response = await options.s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
        const { text } = decodeObject(Buffer.from(await response.Body!.transformToByteArray()), object.key);
        const rows: string[] = [];
        text.split('\n').forEach((line, index) => {
          if (line.trim() === '') return;
          const row = recordToRow(line, columns, locator, COPY_OPTIONS);
          if ('error' in row) {
            progress.problems.push(
              `s3://${object.bucket}/${object.key} line ${index + 1}: ${row.error.colname} ${row.error.errReason}: not loaded`,
            );
          } else rows.push(copyTextLine(row.fields));
        });
        if (rows.length > 0) {
          await pipeline(
            Readable.from(rows),
            client.query(copyFrom(`COPY ${landing.table} (${columnList}) FROM STDIN`)),
          );
        }
        progress.rowsLoaded += rows.length;
        progress.objectsDone += 1;
        if (lastObjectOf.get(object.partition) === object.key) progress.partitionsDone += 1;
        if (useBookmark) bookmark[object.key] = object.etag;
        await options.onProgress(progress);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    // The same merge as after the Firehose's COPYs: lines already merged (by line_id) are rewritten, not added.
    await mergeLanding(client);
  } finally {
    await client.end();
  }
  return { ...progress, bookmark };
}

function s3Location(location: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
  if (match === null) throw new Error(`Partition location ${location} is not an s3:// folder.`);
  return { bucket: match[1]!, prefix: match[2]! };
}

async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<{ key: string; etag: string }[]> {
  const objects: { key: string; etag: string }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) objects.push({ key: object.Key!, etag: object.ETag ?? '' });
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return objects.sort((a, b) => a.key.localeCompare(b.key));
}
