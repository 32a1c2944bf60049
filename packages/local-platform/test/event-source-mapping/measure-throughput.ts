// Records/s through a no-op handler, with kinesalite and the invoke endpoint in their own processes as under `npm start`:
// `npx tsx packages/local-platform/test/event-source-mapping/measure-throughput.ts [records] [batchSize]`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startKinesisEventSourceMappings } from '../../src/event-source-mapping';
import { LOCAL_CREDENTIALS } from '../../src/platform-settings';
import { waitForActiveStream } from '@retail/test-support';

const REGION = 'eu-west-2';
// About the size of one invoice line event of the data set.
const RECORD_BYTES = 500;
const PUT_CONCURRENCY = 4;

// Each child prints its port on its first line of output.
const KINESALITE_CHILD = `const server = require('kinesalite')({ createStreamMs: 5 }); server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;
const NO_OP_INVOKE_CHILD = `
let records = 0;
const server = require('node:http').createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    records += JSON.parse(Buffer.concat(chunks).toString('utf8')).Records.length;
    response.writeHead(200, { 'content-type': 'application/json', 'x-records-so-far': String(records) }).end('');
  });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

function startChild(script: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', script], {
    cwd: process.cwd(),
    env: { ...process.env, AWS_REGION: REGION },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (chunk: Buffer) => resolve({ child, port: Number(chunk.toString().trim()) }));
  });
}

async function measureThroughput(recordCount: number, batchSize: number): Promise<void> {
  const [kinesalite, invokeEndpoint] = await Promise.all([
    startChild(KINESALITE_CHILD),
    startChild(NO_OP_INVOKE_CHILD),
  ]);
  const stateDir = await mkdtemp(path.join(tmpdir(), 'esm-throughput-'));
  const kinesisEndpoint = `http://127.0.0.1:${kinesalite.port}`;
  const kinesis = new KinesisClient({
    region: REGION,
    endpoint: kinesisEndpoint,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
  try {
    const streamName = 'throughput';
    await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: 2 }));
    await waitForActiveStream(kinesis, streamName);
    const filler = 'x'.repeat(RECORD_BYTES - 60);
    const putStartedAt = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PUT_CONCURRENCY }, async () => {
        while (next < recordCount) {
          const from = next;
          next = Math.min(recordCount, next + 500);
          const entries = Array.from({ length: next - from }, (_, offset) => ({
            Data: Buffer.from(JSON.stringify({ invoiceNo: `5${from + offset}`, filler })),
            PartitionKey: `invoice-${(from + offset) % 25_000}`,
          }));
          const output = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
          if (output.FailedRecordCount) throw new Error(`${output.FailedRecordCount} records were not put.`);
        }
      }),
    );
    const putSeconds = (Date.now() - putStartedAt) / 1000;

    // The ceiling: kinesalite's own GetRecords rate on both shards at once, under the machine's load right now.
    const readStartedAt = Date.now();
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
    const readCounts = await Promise.all(Shards.map((shard) => readShard(kinesis, streamName, shard.ShardId ?? '')));
    const readSeconds = (Date.now() - readStartedAt) / 1000;
    const readRecords = readCounts.reduce((sum, count) => sum + count, 0);

    const startedAt = Date.now();
    const mappings = await startKinesisEventSourceMappings({
      kinesisEndpoint,
      region: REGION,
      stateDir,
      mappings: [
        {
          functionName: 'throughput-consumer',
          lambdaEndpoint: `http://127.0.0.1:${invokeEndpoint.port}`,
          streamArn: `arn:aws:kinesis:${REGION}:000000000000:stream/${streamName}`,
          batchSize,
        },
      ],
      log: { info: () => undefined, warn: (message) => console.warn(message) },
    });
    await mappings.idle();
    const seconds = (Date.now() - startedAt) / 1000;
    const { totals } = mappings.stats();
    await mappings.stop();
    console.log(
      `${recordCount} records of ~${RECORD_BYTES} bytes on 2 shards (put in ${putSeconds.toFixed(1)} s), batchSize ${batchSize}: ` +
        `${totals.recordsProcessed} processed in ${totals.invocations} invocations in ${seconds.toFixed(2)} s = ${Math.round(totals.recordsProcessed / seconds)} records/s ` +
        `(GetRecords alone: ${readRecords} in ${readSeconds.toFixed(2)} s = ${Math.round(readRecords / readSeconds)} records/s)`,
    );
  } finally {
    kinesis.destroy();
    kinesalite.child.kill();
    invokeEndpoint.child.kill();
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function readShard(kinesis: KinesisClient, streamName: string, shardId: string): Promise<number> {
  let { ShardIterator: iterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  let count = 0;
  for (;;) {
    const output = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    if (!output.Records?.length) return count;
    count += output.Records.length;
    iterator = output.NextShardIterator;
  }
}

void measureThroughput(Number(process.argv[2] ?? 50_000), Number(process.argv[3] ?? 100));
