import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { numberToMilli } from '@retail/domain';
import { InvoiceLineTally, type ReconciledLine } from './reconcile-figures';

/** Where the raw events delivery stream writes: its static prefixes, before the first `!{...}` expression. */
export interface RawBucketLayout {
  bucket: string;
  linesPrefix: string;
  errorsPrefix: string;
}

export interface RawBucketFigures extends RawBucketLayout {
  /** Over distinct line ids; `lines.repeatedLines` are Firehose's duplicate deliveries. */
  lines: InvoiceLineTally;
  objects: number;
  records: number;
  /** NDJSON lines that are not an invoice line event. */
  unreadableRecords: number;
  unreadableExamples: string[];
  /** Records Firehose could not deliver under the lines prefix (its error output). */
  errorObjects: number;
  errorRecords: number;
  elapsedMs: number;
}

// Objects read at once: enough to hide S3's latency, few enough that the gunzip streams stay small.
const OBJECTS_IN_FLIGHT = 8;
const EXAMPLES = 5;

/** Lists, gunzips and parses every object of the raw bucket's lines prefix, streaming (memory holds ids, not objects). */
export async function readRawBucket(client: S3Client, layout: RawBucketLayout): Promise<RawBucketFigures> {
  const started = performance.now();
  const figures: RawBucketFigures = {
    ...layout,
    lines: new InvoiceLineTally(),
    objects: 0,
    records: 0,
    unreadableRecords: 0,
    unreadableExamples: [],
    errorObjects: 0,
    errorRecords: 0,
    elapsedMs: 0,
  };
  const [lineKeys, errorKeys] = await Promise.all([
    listKeys(client, layout.bucket, layout.linesPrefix),
    listKeys(client, layout.bucket, layout.errorsPrefix),
  ]);
  figures.objects = lineKeys.length;
  figures.errorObjects = errorKeys.length;
  await forEachConcurrently(lineKeys, async (key) => {
    for await (const text of objectLines(client, layout.bucket, key)) {
      figures.records++;
      const line = reconciledLineOf(text);
      if (line) {
        figures.lines.add(line);
      } else {
        figures.unreadableRecords++;
        if (figures.unreadableExamples.length < EXAMPLES)
          figures.unreadableExamples.push(`${key}: ${text.slice(0, 80)}`);
      }
    }
  });
  await forEachConcurrently(errorKeys, async (key) => {
    for await (const _ of objectLines(client, layout.bucket, key)) figures.errorRecords++;
  });
  figures.elapsedMs = performance.now() - started;
  return figures;
}

export async function listKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    token = page.NextContinuationToken;
  } while (token !== undefined);
  return keys;
}

/** The object's non-empty lines; gunzipped when its key ends in `.gz`, as Firehose names GZIP objects. */
export async function* objectLines(client: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!(object.Body instanceof Readable)) throw new Error(`s3://${bucket}/${key} came back without a readable body`);
  const text = key.endsWith('.gz') ? object.Body.pipe(createGunzip()) : object.Body;
  for await (const line of createInterface({ input: text, crlfDelay: Infinity })) {
    if (line.length > 0) yield line;
  }
}

function reconciledLineOf(text: string): ReconciledLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { lineId, invoiceNo, customerId, lineTotal } = value as Record<string, unknown>;
  if (typeof lineId !== 'string' || typeof invoiceNo !== 'string' || typeof lineTotal !== 'number') return undefined;
  if (customerId !== null && typeof customerId !== 'string') return undefined;
  return { lineId, invoiceNo, customerId, lineTotal: numberToMilli(lineTotal) };
}

export async function forEachConcurrently<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(OBJECTS_IN_FLIGHT, items.length) }, worker));
}
