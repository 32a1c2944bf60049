import { gunzipSync } from 'node:zlib';
import {
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  type FirehoseClient,
} from '@aws-sdk/client-firehose';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  readSampleRows,
  sampleLines,
  eventually,
  putAll,
  rawEventsDeliveryStream,
  startRawEventsFirehose,
  startTestS3,
  type RawEventsFirehose,
  type TestS3,
} from '@retail/test-support';
import type { InvoiceLineEvent } from '@retail/domain';

const HOUR = 3_600_000;
const OBJECT_NAME =
  /^(?<prefix>.*\/)(?<stream>retail-test-raw-events)-1-(?<time>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.gz$/;
const dayPrefix = (line: InvoiceLineEvent) =>
  `invoice-lines/year=${line.invoiceDate.slice(0, 4)}/month=${line.invoiceDate.slice(5, 7)}/day=${line.invoiceDate.slice(8, 10)}/`;
const asRecord = (line: InvoiceLineEvent) => Buffer.from(JSON.stringify(line));

let s3: TestS3;
let lines: InvoiceLineEvent[];
let raw: RawEventsFirehose | undefined;

beforeAll(async () => {
  s3 = await startTestS3();
  // As they travel: JSON has no -0 (a free line of negative quantity has lineTotal -0 in memory, 0 on the wire).
  lines = sampleLines(await readSampleRows()).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);
});
afterEach(async () => {
  await raw?.close();
  raw = undefined;
});
afterAll(() => s3.close());

let buckets = 0;

/** A firehose delivering into a bucket of its own, so each test reads only what it delivered. */
async function start(bufferingOverride?: {
  sizeInBytes?: number;
  intervalInMilliseconds?: number;
}): Promise<RawEventsFirehose> {
  const bucketName = `${rawEventsDeliveryStream().bucketName}-${++buckets}`;
  await s3.createBucket(bucketName);
  raw = await startRawEventsFirehose(s3, { bufferingOverride, bucketName });
  return raw;
}

/** Every delivered line, object by object in key order, each object's lines in order. */
async function deliveredLines(bucket: string, prefix?: string): Promise<Map<string, unknown[]>> {
  const objects = new Map<string, unknown[]>();
  for (const key of await s3.keys(bucket, prefix)) objects.set(key, await s3.jsonLines(bucket, key));
  return objects;
}

describe('the local Firehose, configured from resources/firehose.yml', () => {
  it('delivers the sample rows as gzipped NDJSON into Hive-style day partitions of the invoice date, named as AWS names objects', async () => {
    const { client, streamName, bucket, firehose } = await start({ intervalInMilliseconds: HOUR });
    const before = Date.now();
    await putAll(client, streamName, lines.map(asRecord));
    await firehose.flush();

    const objects = await deliveredLines(bucket);
    const expectedDays = [...new Set(lines.map(dayPrefix))].sort();
    expect(expectedDays.length).toBeGreaterThan(1);
    // One object per day: nothing reached 64 MB and the interval never elapsed, so flush wrote each buffer once.
    expect([...objects.keys()].map((key) => OBJECT_NAME.exec(key)?.groups?.prefix)).toEqual(expectedDays);
    for (const [key, delivered] of objects) {
      const { prefix, time } = OBJECT_NAME.exec(key)!.groups!;
      expect(delivered).toEqual(lines.filter((line) => dayPrefix(line) === prefix));
      // The name's timestamp is the arrival time of the object's oldest record, in UTC.
      const named = Date.parse(`${time!.slice(0, 10)}T${time!.slice(11).replaceAll('-', ':')}Z`);
      expect(named).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(named).toBeLessThanOrEqual(Date.now());
    }
    expect([...objects.values()].flat()).toHaveLength(lines.length);
  });

  it('writes the bytes of each record followed by the declared delimiter, and gzips the object', async () => {
    const { client, streamName, bucket, firehose } = await start({ intervalInMilliseconds: HOUR });
    const [line] = lines;
    await client.send(new PutRecordCommand({ DeliveryStreamName: streamName, Record: { Data: asRecord(line!) } }));
    await firehose.flush();
    const [key] = await s3.keys(bucket);
    const object = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const stored = Buffer.from(await object.Body!.transformToByteArray());
    expect(stored.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipSync(stored).toString('utf8')).toBe(`${JSON.stringify(line)}\n`);
  });

  it('delivers a partition as soon as its buffer reaches the size, keeping the rest until the interval', async () => {
    const sizeInBytes = 4_000;
    const { client, streamName, bucket, firehose } = await start({ sizeInBytes, intervalInMilliseconds: HOUR });
    const day = lines.filter((line) => line.invoiceDate.startsWith('2010-12-01')).slice(0, 99);
    await putAll(client, streamName, day.map(asRecord));

    // Where the buffer fills up, counting each record with its newline.
    const sealedAfter: number[] = [];
    let bytes = 0;
    day.forEach((line, index) => {
      bytes += asRecord(line).length + 1;
      if (bytes >= sizeInBytes) {
        sealedAfter.push(index + 1);
        bytes = 0;
      }
    });
    const full = await eventually(async () => {
      const objects = await deliveredLines(bucket);
      expect(objects.size).toBe(sealedAfter.length);
      return objects;
    });
    const sizes = [...full.values()].map((delivered) => delivered.length).sort((a, b) => a - b);
    const expectedSizes = sealedAfter.map((end, i) => end - (sealedAfter[i - 1] ?? 0)).sort((a, b) => a - b);
    expect(sizes).toEqual(expectedSizes);
    expect(sealedAfter.at(-1)).toBeLessThan(day.length);

    await firehose.flush();
    const all = await deliveredLines(bucket);
    expect(all.size).toBe(sealedAfter.length + 1);
    expect([...all.values()].flat().sort(byLineId)).toEqual([...day].sort(byLineId));
  });

  it('delivers each partition when the interval has passed since its first record, without a flush', async () => {
    const intervalInMilliseconds = 400;
    const { client, streamName, bucket } = await start({ intervalInMilliseconds });
    const sent = lines.slice(0, 300);
    const started = Date.now();
    await putAll(client, streamName, sent.map(asRecord));
    expect(await s3.keys(bucket)).toEqual([]);

    const objects = await eventually(async () => {
      const delivered = await deliveredLines(bucket);
      expect([...delivered.values()].flat()).toHaveLength(sent.length);
      return delivered;
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(intervalInMilliseconds);
    expect(objects.size).toBe(new Set(sent.map(dayPrefix)).size);
    expect([...objects.values()].flat().sort(byLineId)).toEqual([...sent].sort(byLineId));
  });

  it('writes records whose partition keys cannot be extracted under the error output prefix, with their bytes', async () => {
    const { client, streamName, bucket, firehose } = await start({ intervalInMilliseconds: HOUR });
    const { invoiceDate: _, ...withoutDate } = lines[0]!;
    const notJson = Buffer.from('536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER');
    const before = Date.now();
    await putAll(client, streamName, [Buffer.from(JSON.stringify(withoutDate)), asRecord(lines[1]!), notJson]);
    await firehose.flush();

    const errorKeys = await s3.keys(bucket, 'errors/');
    expect(errorKeys).toHaveLength(1);
    const today = new Date(before).toISOString().slice(0, 10).replaceAll('-', '/');
    expect(OBJECT_NAME.exec(errorKeys[0]!)?.groups?.prefix).toBe(`errors/partitioning-failed/${today}/`);
    const documents = (await s3.jsonLines(bucket, errorKeys[0]!)) as Record<string, unknown>[];
    expect(documents.map((document) => Buffer.from(document.rawData as string, 'base64'))).toEqual([
      Buffer.from(JSON.stringify(withoutDate)),
      notJson,
    ]);
    expect(documents.map((document) => document.errorCode)).toEqual([
      'DynamicPartitioning.MetadataExtractionFailed',
      'DynamicPartitioning.MetadataExtractionFailed',
    ]);
    expect(documents[0]!.errorMessage).toMatch(/must not be null or empty/);
    expect(documents[1]!.errorMessage).toBe('Non JSON record provided');
    expect(await s3.keys(bucket, 'invoice-lines/')).toHaveLength(1);
  });

  it('keeps retrying an object S3 refuses, and delivers it once the bucket exists', async () => {
    const messages: string[] = [];
    const bucketName = `${rawEventsDeliveryStream().bucketName}-${++buckets}`;
    raw = await startRawEventsFirehose(s3, {
      bufferingOverride: { intervalInMilliseconds: HOUR },
      bucketName,
      log: (message) => messages.push(message),
    });
    await putAll(raw.client, raw.streamName, [asRecord(lines[0]!)]);
    const flushed = raw.firehose.flush();
    await eventually(() =>
      expect(messages.some((message: string) => message.includes('failed (attempt 1, retrying)'))).toBe(true),
    );
    await s3.createBucket(bucketName);
    await flushed;
    const [key] = await s3.keys(bucketName);
    expect(await s3.jsonLines(bucketName, key!)).toEqual([lines[0]]);
    expect(messages.some((message) => /written after [2-9] attempts/.test(message))).toBe(true);
  });

  it('delivers what it buffers when stopped cleanly, and refuses records from then on', async () => {
    const { client, streamName, bucket, firehose } = await start({ intervalInMilliseconds: HOUR });
    await putAll(client, streamName, lines.slice(0, 50).map(asRecord));
    await firehose.stop();
    expect([...(await deliveredLines(bucket)).values()].flat()).toHaveLength(50);
    await expect(
      client.send(
        new PutRecordBatchCommand({ DeliveryStreamName: streamName, Records: [{ Data: asRecord(lines[0]!) }] }),
      ),
    ).rejects.toThrow();
  });
});

describe('the local Firehose API', () => {
  let client: FirehoseClient;
  let streamName: string;
  let bucket: string;
  beforeEach(async () => {
    ({ client, streamName, bucket } = await start({ intervalInMilliseconds: HOUR }));
  });

  const putBatch = (records: Uint8Array[], name = streamName) =>
    client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((data) => ({ Data: data })) }),
    );

  it('answers PutRecordBatch with a RecordId per record and FailedPutCount 0', async () => {
    const output = await putBatch(lines.slice(0, 3).map(asRecord));
    expect(output.FailedPutCount).toBe(0);
    expect(output.RequestResponses).toHaveLength(3);
    expect(new Set(output.RequestResponses!.map((response) => response.RecordId)).size).toBe(3);
  });

  it.each<[string, () => Uint8Array[], RegExp]>([
    ['more than 500 records', () => Array.from({ length: 501 }, () => Buffer.from('{}')), /at most 500/],
    [
      'more than 4 MiB in all',
      () => Array.from({ length: 5 }, () => Buffer.alloc(900 * 1024, 0x20)),
      /at most 4194304 \(4 MiB\)/,
    ],
    ['a record over 1,000 KiB', () => [Buffer.alloc(1_000 * 1024 + 1, 0x20)], /at most 1024000 \(1,000 KiB\)/],
    ['no records', () => [], /at least one record/],
  ])('refuses a batch with %s as InvalidArgumentException, taking none of it', async (_, records, message) => {
    await expect(putBatch(records())).rejects.toMatchObject({
      name: 'InvalidArgumentException',
      message: expect.stringMatching(message),
      $metadata: { httpStatusCode: 400 },
    });
    await raw!.firehose.flush();
    expect(await s3.keys(bucket)).toEqual([]);
  });

  it('accepts a batch of exactly 500 records and exactly 4 MiB', async () => {
    const record = Buffer.alloc((4 * 1024 * 1024) / 500, 0x20);
    record.write('{"invoiceDate":"2011-12-09T12:50:00"}');
    const output = await putBatch(Array.from({ length: 500 }, () => record));
    expect(output.FailedPutCount).toBe(0);
  });

  it('answers ResourceNotFoundException for a stream it does not serve', async () => {
    await expect(putBatch([Buffer.from('{}')], 'retail-test-no-such-stream')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Firehose retail-test-no-such-stream under account 000000000000 not found.',
    });
  });

  it('describes and lists the delivery stream as declared', async () => {
    const { DeliveryStreamDescription: description } = await client.send(
      new DescribeDeliveryStreamCommand({ DeliveryStreamName: streamName }),
    );
    expect(description).toMatchObject({
      DeliveryStreamName: streamName,
      DeliveryStreamARN: `arn:aws:firehose:eu-west-2:000000000000:deliverystream/${streamName}`,
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamType: 'DirectPut',
    });
    expect(description!.CreateTimestamp).toBeInstanceOf(Date);
    expect(description!.Destinations![0]!.ExtendedS3DestinationDescription).toMatchObject({
      BucketARN: `arn:aws:s3:::${bucket}`,
      BufferingHints: { SizeInMBs: 64, IntervalInSeconds: 60 },
      CompressionFormat: 'GZIP',
      DynamicPartitioningConfiguration: { Enabled: true },
    });
    expect(await client.send(new ListDeliveryStreamsCommand({}))).toMatchObject({
      DeliveryStreamNames: [streamName],
      HasMoreDeliveryStreams: false,
    });
  });
});

function byLineId(a: unknown, b: unknown): number {
  return (a as InvoiceLineEvent).lineId.localeCompare((b as InvoiceLineEvent).lineId);
}
