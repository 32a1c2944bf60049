import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { eventually, readSampleRows, sampleLines } from '@retail/test-support';
import { createFirehoseClient } from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import { Client, Pool } from 'pg';
import {
  DeliveryStreamDefinitionError,
  parseRedshiftDestination,
  startLocalFirehose,
  type LocalFirehose,
  type LocalFirehoseOptions,
} from '../../src/firehose';
import { RedshiftCopyExecutor } from '../../src/firehose/redshift-copy';
import { LOCAL_CREDENTIALS } from '../../src/platform-settings';
import {
  jsonpathsDocument,
  mergeLanding,
  readLandingColumns,
  startLocalWarehouse,
  type LocalWarehouse,
} from '../../src/warehouse';
import { startStreamTestEmulators, type StreamTestEmulators } from '../event-source-mapping/stream-test-emulators';
import { warehouseDeliveryStream } from './support/warehouse-delivery-stream';

const STAGING_BUCKET = 'retail-test-warehouse-staging-000000000000';
const PROCESS_ENTRY = path.join(__dirname, 'support', 'kinesis-redshift-process.ts');
const REPO_ROOT = path.resolve(__dirname, '../../../..');

let emulators: StreamTestEmulators;
let warehouse: LocalWarehouse;
let db: Client;
let lines: InvoiceLineEvent[];
let stateRoot: string;
let streams = 0;
const running: LocalFirehose[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  stateRoot = await mkdtemp(path.join(tmpdir(), 'firehose-redshift-'));
  [emulators, warehouse] = await Promise.all([
    startStreamTestEmulators(),
    startLocalWarehouse({ dataDir: path.join(stateRoot, 'warehouse'), port: 0, log: () => undefined }),
  ]);
  db = new Client({ connectionString: warehouse.url });
  await db.connect();
  await emulators.createBucket(STAGING_BUCKET);
  // What the deploy uploads on AWS and the platform component writes locally.
  await emulators.s3.send(
    new PutObjectCommand({
      Bucket: STAGING_BUCKET,
      Key: 'jsonpaths/invoice-line-landing.jsonpaths',
      Body: JSON.stringify(jsonpathsDocument(await readLandingColumns())),
    }),
  );
  lines = sampleLines(await readSampleRows()).map((line) => JSON.parse(JSON.stringify(line)) as InvoiceLineEvent);
}, 180_000);
afterEach(async () => {
  for (const firehose of running.splice(0)) await firehose.stop();
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await db?.end();
  await warehouse?.stop();
  await emulators?.close();
  await rm(stateRoot, { recursive: true, force: true });
});

/** A new source stream and the options of a local Firehose reading it into the warehouse as the template says. */
async function deliveryFor(shardCount = 1, overrides: Partial<LocalFirehoseOptions> = {}) {
  const index = ++streams;
  const sourceStream = `retail-test-invoice-lines-${index}`;
  await emulators.createStream(sourceStream, shardCount);
  const name = `retail-test-warehouse-${index}`;
  const options: LocalFirehoseOptions = {
    stateDir: path.join(stateRoot, `firehose-${index}`),
    s3Endpoint: emulators.s3Endpoint,
    deliveryStreams: [],
    bufferingOverride: { intervalInMilliseconds: 500 },
    log: () => undefined,
    kinesisSourced: {
      deliveryStreams: [
        warehouseDeliveryStream({
          name,
          sourceStreamArn: `arn:aws:kinesis:eu-west-2:000000000000:stream/${sourceStream}`,
          stagingBucket: STAGING_BUCKET,
        }),
      ],
      kinesisEndpoint: emulators.kinesisEndpoint,
      warehouseUrl: warehouse.url,
      timing: { pollIntervalMs: 100, retryTimeScale: 0.001 },
    },
    ...overrides,
  };
  // Line ids unique to the stream: every test counts its own rows in the shared warehouse.
  const linesOf = (from: number, count: number) =>
    lines.slice(from, from + count).map((line) => ({ ...line, lineId: `t${index}-${line.lineId}` }));
  const put = (records: readonly object[]) =>
    emulators.putRecords(
      sourceStream,
      records.map((record) => ({ data: JSON.stringify(record), partitionKey: (record as InvoiceLineEvent).invoiceNo })),
    );
  return { index, name, sourceStream, options, linesOf, put };
}

const count = async (sql: string, values: unknown[]) =>
  Number((await db.query<{ count: string }>(sql, values)).rows[0]!.count);
const landed = (index: number) =>
  count('SELECT count(*) FROM retail.invoice_line_landing WHERE line_id LIKE $1', [`t${index}-%`]);
const distinctLanded = (index: number) =>
  count('SELECT count(DISTINCT line_id) FROM retail.invoice_line_landing WHERE line_id LIKE $1', [`t${index}-%`]);
const mergedFacts = (index: number) =>
  count('SELECT count(*) FROM retail.fact_invoice_line WHERE line_id LIKE $1', [`t${index}-%`]);
/** A test's lines in the fact table once merged: Firehose runs nothing after its COPY; the schedule merges. */
const facts = async (index: number) => {
  await mergeLanding(db);
  return mergedFacts(index);
};
const keys = async (prefix: string) => {
  const objects = await emulators.readObjects(STAGING_BUCKET, prefix).catch(() => []);
  return objects.map((object) => object.key);
};

describe('the local Firehose, Kinesis stream -> Redshift (the local warehouse)', () => {
  it('refuses at start what it cannot honour: unknown COPY options, SNAPPY, properties it does not emulate', async () => {
    const stream = warehouseDeliveryStream({
      name: 'refused',
      sourceStreamArn: 'arn:aws:kinesis:eu-west-2:000000000000:stream/s',
      stagingBucket: STAGING_BUCKET,
    });
    const destination = stream.destination as Record<string, Record<string, unknown>>;
    const withCopyOptions = (copyOptions: string) => ({
      ...destination,
      CopyCommand: { ...destination.CopyCommand, CopyOptions: copyOptions },
    });
    await expect(
      parseRedshiftDestination(stream.source, destination, 'WarehouseDeliveryStream'),
    ).resolves.toHaveProperty('copy.options.gzip', true);
    // The CopyOptions are read by the local COPY's own parser, within the COPY Firehose issues.
    await expect(
      parseRedshiftDestination(stream.source, withCopyOptions("JSON 'auto' GZIP ACCEPTINVCHARS"), 'W'),
    ).rejects.toThrow(/COPY parameter ACCEPTINVCHARS is not supported by the local COPY/);
    await expect(
      parseRedshiftDestination(stream.source, withCopyOptions("JSON 'auto' GZIP TIMEFORMAT 'epochsecs'"), 'W'),
    ).rejects.toThrow(/TIMEFORMAT 'epochsecs': the local COPY reads TIMEFORMAT 'auto'/);
    await expect(parseRedshiftDestination(stream.source, withCopyOptions("JSON 'auto'"), 'W')).rejects.toThrow(
      /lacks GZIP but the staged objects are gzipped/,
    );
    await expect(
      parseRedshiftDestination(
        stream.source,
        { ...destination, S3Configuration: { ...destination.S3Configuration, CompressionFormat: 'Snappy' } },
        'W',
      ),
    ).rejects.toThrow(DeliveryStreamDefinitionError);
    await expect(
      parseRedshiftDestination(stream.source, { ...destination, S3BackupMode: 'Enabled' }, 'W'),
    ).rejects.toThrow(/source record backup is not emulated/);
  });

  it('reads the stream from LATEST, stages gzipped batches and manifests, COPYs them and merges nothing; refuses PutRecordBatch', async () => {
    const delivery = await deliveryFor(2);
    await delivery.put(delivery.linesOf(0, 5)); // before the delivery stream exists: LATEST skips them
    const firehose = await startLocalFirehose(delivery.options);
    running.push(firehose);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await delivery.put(delivery.linesOf(5, 40));
    await eventually(async () => expect(await landed(delivery.index)).toBe(40), { timeoutMs: 30_000 });
    // As AWS Firehose: the COPY is all it runs; the merge is the schedule's.
    expect(await mergedFacts(delivery.index)).toBe(0);
    expect(await facts(delivery.index)).toBe(40);

    const manifests = await keys(`staging/manifests/`);
    const manifestOfStream = manifests.filter((key) => key.includes(`/${delivery.name}-1-`));
    expect(manifestOfStream.length).toBeGreaterThan(0);
    const manifest = JSON.parse(
      await (
        await emulators.s3.send(new GetObjectCommand({ Bucket: STAGING_BUCKET, Key: manifestOfStream[0] }))
      ).Body!.transformToString(),
    ) as { entries: { url: string; mandatory: boolean }[] };
    const objectKey = manifest.entries[0]!.url.replace(`s3://${STAGING_BUCKET}/`, '');
    expect(objectKey).toMatch(new RegExp(`^staging/\\d{4}/\\d{2}/\\d{2}/\\d{2}/${delivery.name}-1-.+\\.gz$`));
    const staged = gunzipSync(
      Buffer.from(
        await (
          await emulators.s3.send(new GetObjectCommand({ Bucket: STAGING_BUCKET, Key: objectKey }))
        ).Body!.transformToByteArray(),
      ),
    ).toString('utf8');
    expect(staged.startsWith('{') && staged.includes('}{') && !staged.includes('\n')).toBe(true); // no delimiter

    const { rows } = await db.query(
      'SELECT invoice_date::text, unit_price::text, is_cancellation FROM retail.fact_invoice_line WHERE line_id = $1',
      [`t${delivery.index}-${lines[5]!.lineId}`],
    );
    expect(rows[0]).toEqual({
      invoice_date: lines[5]!.invoiceDate.replace('T', ' '),
      unit_price: lines[5]!.unitPrice.toFixed(3),
      is_cancellation: lines[5]!.isCancellation,
    });

    const client = createFirehoseClient({
      region: 'eu-west-2',
      credentials: LOCAL_CREDENTIALS,
      endpoints: { firehose: firehose.endpoint },
    });
    await expect(
      client.send(
        new PutRecordBatchCommand({ DeliveryStreamName: delivery.name, Records: [{ Data: Buffer.from('{}') }] }),
      ),
    ).rejects.toThrow('This operation is not permitted on KinesisStreamAsSource delivery stream type.');
    client.destroy();
  });

  it('fails the whole manifest on one rejected record, records it in stl_load_errors, retries, then writes the manifest under the error prefix', async () => {
    const delivery = await deliveryFor(1, { bufferingOverride: { intervalInMilliseconds: 1_000 } });
    const firehose = await startLocalFirehose(delivery.options);
    running.push(firehose);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [first, second, ...rest] = delivery.linesOf(100, 6);
    const bad = { ...second!, quantity: 1.5 }; // Redshift: Invalid digit, Value '.', Type: Integer
    await delivery.put([first!, bad, ...rest]);
    const errorManifests = await eventually(
      async () => {
        const found = (await keys('errors/manifests/')).filter((key) => key.includes(`/${delivery.name}-1-`));
        expect(found.length).toBeGreaterThan(0);
        return found;
      },
      { timeoutMs: 30_000 },
    );
    expect(errorManifests).toHaveLength(1);
    const { rows } = await db.query(
      `SELECT filename, line_number, colname, err_code, trim(err_reason) AS err_reason, raw_line, raw_field_value
         FROM stl_load_errors WHERE raw_line LIKE $1`,
      [`%${bad.lineId}%`],
    );
    // One row per COPY attempt: an hour of retries every 5 minutes (scaled down here) is 12 attempts.
    expect(rows.length).toBe(12);
    expect(rows[0]).toMatchObject({
      filename: expect.stringMatching(new RegExp(`^s3://${STAGING_BUCKET}/staging/.+\\.gz$`)),
      line_number: '1',
      colname: 'quantity',
      err_code: 1207,
      raw_field_value: '1.5',
    });
    expect(rows[0].err_reason).toMatch(/^Invalid digit, Value '\.', Pos 1, Type: int4/);
    // All or nothing, as a COPY without MAXERROR is: the good records of that batch are not loaded either; they
    // wait in the error manifest for a backfill. The stream goes on with what comes next.
    expect(await landed(delivery.index)).toBe(0);
    await delivery.put(delivery.linesOf(110, 3));
    await eventually(async () => expect(await facts(delivery.index)).toBe(3), { timeoutMs: 30_000 });
  });

  it('counts a replayed stream once in the fact table after the merge', async () => {
    const delivery = await deliveryFor(2);
    let firehose = await startLocalFirehose(delivery.options);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await delivery.put(delivery.linesOf(200, 30));
    await eventually(async () => expect(await facts(delivery.index)).toBe(30), { timeoutMs: 30_000 });
    await firehose.stop();
    // An older checkpoint: nothing committed yet, as if the position file were restored from before the load.
    const positionFile = path.join(delivery.options.stateDir, `${delivery.name}.kinesis-source.json`);
    const position = JSON.parse(await readFile(positionFile, 'utf8')) as { committed: object; staged: unknown[] };
    await writeFile(positionFile, JSON.stringify({ ...position, committed: {}, staged: [] }));
    firehose = await startLocalFirehose(delivery.options);
    running.push(firehose);
    await eventually(async () => expect(await landed(delivery.index)).toBe(60), { timeoutMs: 30_000 });
    await eventually(async () => expect(await facts(delivery.index)).toBe(30), { timeoutMs: 10_000 });
    expect(await distinctLanded(delivery.index)).toBe(30);
  });

  it('loads a manifest once: a COPY replayed after a crash between its commit and the checkpoint loads nothing', async () => {
    const delivery = await deliveryFor(1);
    const stream = delivery.options.kinesisSourced!.deliveryStreams[0]!;
    const { copy } = await parseRedshiftDestination(stream.source, stream.destination, 'test');
    const batch = delivery.linesOf(400, 4);
    const objectKey = `staging/replayed/${delivery.name}.gz`;
    const manifestKey = `staging/manifests/replayed/${delivery.name}`;
    await emulators.s3.send(
      new PutObjectCommand({
        Bucket: STAGING_BUCKET,
        Key: objectKey,
        Body: gzipSync(batch.map((line) => JSON.stringify(line)).join('')),
      }),
    );
    await emulators.s3.send(
      new PutObjectCommand({
        Bucket: STAGING_BUCKET,
        Key: manifestKey,
        Body: JSON.stringify({ entries: [{ url: `s3://${STAGING_BUCKET}/${objectKey}`, mandatory: true }] }),
      }),
    );
    // Two connections, as the Firehose's own pool: stl_load_errors is written outside the COPY's transaction.
    const pool = new Pool({ connectionString: warehouse.url, max: 2 });
    const objects = {
      getObject: async (bucket: string, key: string) =>
        Buffer.from(
          await (
            await emulators.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
          ).Body!.transformToByteArray(),
        ),
    };
    try {
      const executor = new RedshiftCopyExecutor(pool, copy, objects, delivery.name);
      await expect(executor.copyManifest(STAGING_BUCKET, manifestKey)).resolves.toBe('loaded');
      await expect(executor.copyManifest(STAGING_BUCKET, manifestKey)).resolves.toBe('already-loaded');
      expect(await landed(delivery.index)).toBe(4);
    } finally {
      await pool.end();
    }
  });

  it('survives a SIGKILL mid-load: after a restart every record is in the landing table exactly once', async () => {
    const delivery = await deliveryFor(2, { bufferingOverride: { intervalInMilliseconds: 200, sizeInBytes: 8_000 } });
    const start = async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', PROCESS_ENTRY, JSON.stringify(delivery.options)], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      const stderr: string[] = [];
      createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => line === 'running' && resolve());
        child.once('exit', (code) => reject(new Error(`the Firehose process exited (${code}): ${stderr.join('\n')}`)));
      });
      return child;
    };
    const first = await start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const total = 1_500;
    await delivery.put(delivery.linesOf(300, total));
    // Killed once some manifests are loaded and others are not.
    await eventually(async () => expect(await landed(delivery.index)).toBeGreaterThan(0), { timeoutMs: 30_000 });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const landedAtKill = await landed(delivery.index);
    expect(landedAtKill).toBeLessThan(total);
    await start();
    await eventually(async () => expect(await distinctLanded(delivery.index)).toBe(total), { timeoutMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a doubled batch would land by now
    expect(await landed(delivery.index)).toBe(total);
    await eventually(async () => expect(await facts(delivery.index)).toBe(total), { timeoutMs: 10_000 });
  }, 180_000);
});
