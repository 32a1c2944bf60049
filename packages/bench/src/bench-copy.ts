import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  findFullDataFile,
  parseStrict,
  readCommandLine,
  SAMPLE_DATA_FILE,
  UsageError,
  wholeNumberFlag,
} from '@retail/cli';
import { CopyFromS3, s3ObjectSource } from '@retail/local-platform/redshift-data';
import {
  jsonpathsDocument,
  landingCopyStatement,
  readLandingColumns,
  startLocalWarehouse,
} from '@retail/local-platform/warehouse';
import { Pool } from 'pg';
import { startTestS3 } from '@retail/test-support';
import { readCpuSeconds } from './bench-pipeline-cpu';
import { describeMachine, invoiceLineRecords } from './ingest-benchmarks';

const USAGE = `Usage: npm run bench:copy -- [file] [--rows N] [--rounds N]

The warehouse stage's COPY alone, the part of the local Firehose that bench:pipeline cannot isolate: the file's
canonical events staged as the local Firehose stages them (records concatenated without a delimiter, gzipped, one
object and one manifest per 64 MB buffer, the declared SizeInMBs) in a fresh s3rver, then COPYed into a fresh
warehouse's landing table with the COPY text the delivery stream's CopyCommand makes. Reports, per round, this
process's CPU seconds (reading, decompressing, converting the records, sending them: what the Firehose stage spends on
COPY; s3rver runs in this process too and serves a few objects) and PostgreSQL's.

  file        the data set; default: shared/data/online-retail/data.csv.gz, else the sample
  --rows N    only the first N rows (default: all)
  --rounds N  COPYs of the same staged objects, each into an emptied landing table (default 3)`;

const STAGING_BUCKET = 'bench-copy-staging';
const BUFFER_BYTES = 64 * 1024 * 1024;

interface BenchCopyOptions {
  file: string | undefined;
  rows: number;
  rounds: number;
  help: boolean;
}

function parseBenchCopyArgs(argv: readonly string[]): BenchCopyOptions {
  const { values, positionals } = parseStrict(argv, {
    rows: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one file, got ${positionals.length}: ${positionals.join(' ')}`);
  return {
    file: positionals[0],
    rows: wholeNumberFlag('--rows', values.rows, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
    rounds: wholeNumberFlag('--rounds', values.rounds, 3, 20),
    help: values.help === true,
  };
}

/** Stages the records as the local Firehose does: per 64 MB buffer, one gzipped object and its manifest. */
async function stage(s3: S3Client, records: readonly Uint8Array[]): Promise<string[]> {
  const manifests: string[] = [];
  let batch: Uint8Array[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const index = manifests.length;
    const objectKey = `staging/bench-${index}.gz`;
    const manifestKey = `staging/manifests/bench-${index}`;
    await s3.send(
      new PutObjectCommand({ Bucket: STAGING_BUCKET, Key: objectKey, Body: gzipSync(Buffer.concat(batch)) }),
    );
    const manifest = { entries: [{ url: `s3://${STAGING_BUCKET}/${objectKey}`, mandatory: true }] };
    await s3.send(new PutObjectCommand({ Bucket: STAGING_BUCKET, Key: manifestKey, Body: JSON.stringify(manifest) }));
    manifests.push(manifestKey);
    batch = [];
    bytes = 0;
  };
  for (const record of records) {
    batch.push(record);
    bytes += record.length;
    if (bytes >= BUFFER_BYTES) await flush();
  }
  await flush();
  return manifests;
}

async function main(argv: readonly string[]): Promise<number> {
  const commandLine = readCommandLine(argv, parseBenchCopyArgs, USAGE);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const { rows, rounds } = commandLine.options;
  const file = commandLine.options.file ?? findFullDataFile() ?? SAMPLE_DATA_FILE;
  const log = (line: string) => console.log(line);
  log(describeMachine());
  const records = (await invoiceLineRecords(file, rows)).map((record) => record.Data!);
  const bytes = records.reduce((sum, record) => sum + record.length, 0);
  log(`${records.length.toLocaleString('en-GB')} events from ${file}, ${(bytes / 2 ** 20).toFixed(1)} MiB of JSON`);

  const stateDir = await mkdtemp(path.join(tmpdir(), 'retail-bench-copy-'));
  const testS3 = await startTestS3();
  const s3 = testS3.client;
  const warehouse = await startLocalWarehouse({
    dataDir: path.join(stateDir, 'warehouse'),
    port: 0,
    log: () => undefined,
  });
  const pool = new Pool({ connectionString: warehouse.url, max: 2 });
  try {
    await testS3.createBucket(STAGING_BUCKET);
    const landing = await readLandingColumns();
    await s3.send(
      new PutObjectCommand({
        Bucket: STAGING_BUCKET,
        Key: landing.jsonpathsKey,
        Body: JSON.stringify(jsonpathsDocument(landing)),
      }),
    );
    const manifests = await stage(s3, records);
    log(`staged ${manifests.length} gzipped object(s) and manifest(s) in s3rver`);
    const copyText = (manifestKey: string) =>
      landingCopyStatement(landing, {
        from: `s3://${STAGING_BUCKET}/${manifestKey}`,
        manifest: true,
        authorization: "CREDENTIALS 'aws_iam_role=arn:aws:iam::000000000000:role/bench'",
        stagingBucket: STAGING_BUCKET,
      });
    const copy = copyRunner(pool, s3);
    for (let round = 1; round <= rounds; round++) {
      await pool.query(`TRUNCATE ${landing.table}`);
      const before = readCpuSeconds({ postgres: warehouse.pid });
      const started = performance.now();
      for (const manifestKey of manifests) await copy(copyText(manifestKey));
      const seconds = (performance.now() - started) / 1000;
      const after = readCpuSeconds({ postgres: warehouse.pid });
      const used = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
      const { rows: counted } = await pool.query<{ count: string }>(`SELECT count(*) FROM ${landing.table}`);
      if (Number(counted[0]!.count) !== records.length)
        throw new Error(`round ${round} loaded ${counted[0]!.count} rows, not ${records.length}`);
      const thisProcess = [...after.keys()].find((name) => name !== 'postgres')!;
      log(
        `round ${round}: ${records.length.toLocaleString('en-GB')} rows in ${seconds.toFixed(2)} s ` +
          `(${Math.round(records.length / seconds).toLocaleString('en-GB')} rows/s); CPU: this process ` +
          `${used(thisProcess).toFixed(2)} s, PostgreSQL ${used('postgres').toFixed(2)} s`,
      );
    }
    return 0;
  } finally {
    await pool.end();
    await warehouse.stop();
    await testS3.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Runs one COPY statement's text through the platform's one COPY, as the local Data API and Firehose do. */
function copyRunner(pool: Pool, s3: S3Client): (sql: string) => Promise<void> {
  const copy = new CopyFromS3(s3ObjectSource(s3));
  return async (sql) => {
    const client = await pool.connect();
    try {
      await copy.execute(client, sql, pool);
    } finally {
      client.release();
    }
  };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
