import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamRecord } from 'aws-lambda';
import { parseDocument } from 'yaml';
import {
  completeKinesisEventSourceMapping,
  readKinesisEventSourceMappings,
  startKinesisEventSourceMappings,
  type KinesisEventSourceMappingInput,
  type RunningKinesisEventSourceMappings,
} from '../../src/event-source-mapping';
import {
  MAXIMUM_RECORD_AGE_VARIABLE,
  withLocalRecordAge,
} from '../../src/event-source-mapping/event-source-mapping-component';
import { stableMappingUuid } from '../../src/event-source-mapping/kinesis-event-source-mapping';
import { REPO_ROOT } from '../../src/platform-settings';
import { startLambdaInvokeServer, type LambdaInvokeServer } from './lambda-invoke-server';
import {
  ACCOUNT_ID,
  REGION,
  putLargeRecord,
  startStreamTestEmulators,
  type StreamTestEmulators,
} from './stream-test-emulators';
import { eventually, waitForActiveStream } from '@retail/test-support';

// Short waits: the loops poll, back off and retry in tens of milliseconds here (seconds by default).
const FAST_TIMING = { idlePollMs: 5, maxIdlePollMs: 40, retryDelayMs: 5, maxRetryDelayMs: 40 };
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/retail-esm-test-local-${REGION}-lambdaRole`;

let emulators: StreamTestEmulators;
let lambda: LambdaInvokeServer;
let stateDir: string;
let running: RunningKinesisEventSourceMappings[] = [];
let streamCounter = 0;

const warnings: string[] = [];
const quietLog = { info: () => undefined, warn: (message: string) => warnings.push(message) };

beforeAll(async () => {
  [emulators, lambda] = await Promise.all([startStreamTestEmulators(), startLambdaInvokeServer()]);
});

afterAll(async () => {
  await Promise.all([emulators?.close(), lambda?.close()]);
});

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'esm-state-'));
  warnings.length = 0;
});

afterEach(async () => {
  await Promise.all(running.map((mappings) => mappings.stop()));
  running = [];
  jest.restoreAllMocks();
  await rm(stateDir, { recursive: true, force: true });
});

/** A fresh stream and function name per test, so tests never see each other's records. */
async function newStream(shardCount = 1): Promise<{ streamName: string; streamArn: string; functionName: string }> {
  streamCounter += 1;
  const streamName = `esm-test-${process.pid}-${streamCounter}`;
  await emulators.createStream(streamName, shardCount);
  // Spelled as resources/platform-exports.yml does on the local stage.
  const streamArn = `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/${streamName}`;
  return { streamName, streamArn, functionName: `retail-esm-test-local-consumer${streamCounter}` };
}

async function start(
  mapping: Omit<KinesisEventSourceMappingInput, 'lambdaEndpoint'>,
  options: { stopTimeoutMs?: number } = {},
) {
  const mappings = await startKinesisEventSourceMappings({
    kinesisEndpoint: emulators.kinesisEndpoint,
    s3Endpoint: emulators.s3Endpoint,
    region: REGION,
    stateDir,
    mappings: [{ invokeIdentityArn: ROLE_ARN, ...mapping, lambdaEndpoint: lambda.endpoint }],
    log: quietLog,
    timing: FAST_TIMING,
    ...options,
  });
  running.push(mappings);
  return mappings;
}

function records(count: number, prefix = 'line'): { data: string; partitionKey: string }[] {
  return Array.from({ length: count }, (_, index) => ({
    data: JSON.stringify({ [prefix]: index }),
    partitionKey: `invoice-${index}`,
  }));
}

const sequenceNumbersOf = (eventRecords: KinesisStreamRecord[]) =>
  eventRecords.map((record) => record.kinesis.sequenceNumber);

/** Every record the function was invoked with, in invocation order. */
function deliveredSequenceNumbers(functionName: string): string[] {
  return lambda.invocationsOf(functionName).flatMap((invocation) => sequenceNumbersOf(invocation.event.Records));
}

function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return eventually(
    () => {
      if (!condition()) throw new Error(`Timed out waiting for ${what}.`);
    },
    { timeoutMs, intervalMs: 5 },
  );
}

describe('the events', () => {
  test('match AWS Kinesis events field for field, in the same order, with the data base64-encoded', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const binary = Uint8Array.from([0, 1, 2, 254, 255, 0x80, 0x0a]);
    const payloads = [
      Buffer.from('{"invoiceNo":"536365","description":"WHITE HANGING HEART T-LIGHT HOLDER"}'),
      Buffer.from(binary),
      Buffer.from('Crème brûlée £3.75', 'utf8'),
    ];
    const putAt = Date.now();
    const sequenceNumbers = await emulators.putRecords(
      streamName,
      payloads.map((data, index) => ({ data, partitionKey: ['536365', 'clé-ü', 'x'][index] as string })),
    );
    const { ShardIterator } = await emulators.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const stored = await emulators.kinesis.send(new GetRecordsCommand({ ShardIterator }));
    lambda.setHandler(functionName, () => undefined);

    const mappings = await start({ functionName, streamArn, batchSize: 100 });
    await mappings.idle();

    const [invocation, ...others] = lambda.invocationsOf(functionName);
    expect(others).toHaveLength(0);
    expect(Object.keys(invocation?.event ?? {})).toEqual(['Records']);
    const eventRecords = invocation?.event.Records ?? [];
    expect(eventRecords).toHaveLength(3);
    eventRecords.forEach((record, index) => {
      const sequenceNumber = sequenceNumbers[index] as string;
      const arrival = stored.Records?.[index]?.ApproximateArrivalTimestamp?.getTime() as number;
      expect(record).toStrictEqual({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: ['536365', 'clé-ü', 'x'][index],
          sequenceNumber,
          data: (payloads[index] as Buffer).toString('base64'),
          approximateArrivalTimestamp: arrival / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: ROLE_ARN,
        awsRegion: REGION,
        eventSourceARN: streamArn,
      });
      // Same key order as AWS's events (some consumers hash or diff the raw JSON).
      expect(Object.keys(record)).toEqual([
        'kinesis',
        'eventSource',
        'eventVersion',
        'eventID',
        'eventName',
        'invokeIdentityArn',
        'awsRegion',
        'eventSourceARN',
      ]);
      expect(Object.keys(record.kinesis)).toEqual([
        'kinesisSchemaVersion',
        'partitionKey',
        'sequenceNumber',
        'data',
        'approximateArrivalTimestamp',
      ]);
      expect(Buffer.from(record.kinesis.data, 'base64').equals(payloads[index] as Buffer)).toBe(true);
      // Epoch seconds with a fractional part, as AWS sends it.
      expect(record.kinesis.approximateArrivalTimestamp * 1000).toBeGreaterThanOrEqual(putAt - 1000);
      expect(record.kinesis.approximateArrivalTimestamp).toBeLessThan(Date.now() / 1000);
    });
    expect(mappings.stats().totals).toMatchObject({
      recordsRead: 3,
      recordsProcessed: 3,
      invocations: 1,
      functionErrors: 0,
    });
  });
});

describe('ordering and batching', () => {
  test('delivers every record once, in shard order, one batch in flight per shard, batches within one shard and batchSize', async () => {
    const { streamName, streamArn, functionName } = await newStream(2);
    const inFlightByShard = new Map<string, number>();
    let maxInFlightPerShard = 0;
    lambda.setHandler(functionName, async (event) => {
      const shards = new Set(event.Records.map((record) => record.eventID.split(':')[0] as string));
      expect(shards.size).toBe(1);
      const [shard] = shards as unknown as [string];
      inFlightByShard.set(shard, (inFlightByShard.get(shard) ?? 0) + 1);
      maxInFlightPerShard = Math.max(maxInFlightPerShard, inFlightByShard.get(shard) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlightByShard.set(shard, (inFlightByShard.get(shard) ?? 0) - 1);
    });

    const mappings = await start({ functionName, streamArn, batchSize: 100 });
    // Waves put while the mapping runs: each shard is read by several GetRecords calls.
    const sequenceNumbers: string[] = [];
    for (let wave = 0; wave < 4; wave += 1) {
      sequenceNumbers.push(...(await emulators.putRecords(streamName, records(300, `wave${wave}`))));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await mappings.idle();

    const invocations = lambda.invocationsOf(functionName);
    const delivered = deliveredSequenceNumbers(functionName);
    expect(delivered).toHaveLength(1_200);
    expect(new Set(delivered)).toEqual(new Set(sequenceNumbers));
    expect(Math.max(...invocations.map((invocation) => invocation.event.Records.length))).toBe(100);
    expect(maxInFlightPerShard).toBe(1);
    for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
      const ofShard = invocations
        .flatMap((invocation) => invocation.event.Records)
        .filter((record) => record.eventID.startsWith(`${shardId}:`));
      expect(ofShard.length).toBeGreaterThan(0);
      const numbers = ofShard.map((record) => BigInt(record.kinesis.sequenceNumber));
      expect(numbers.every((number, index) => index === 0 || number > (numbers[index - 1] as bigint))).toBe(true);
    }
    expect(
      mappings
        .stats()
        .mappings[0]?.shards.map((shard) => shard.shardId)
        .sort(),
    ).toEqual(['shardId-000000000000', 'shardId-000000000001']);
  });

  test('reads a split shard to its end before its children, then the children', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const parentRecords = await emulators.putRecords(streamName, records(20, 'parent'));
    await emulators.kinesis.send(
      new SplitShardCommand({
        StreamName: streamName,
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitForActiveStream(emulators.kinesis, streamName, 5);
    const childRecords = await emulators.putRecords(streamName, records(40, 'child'));
    lambda.setHandler(functionName, () => undefined);

    const mappings = await start({ functionName, streamArn, batchSize: 7 });
    await mappings.idle();

    const delivered = lambda.invocationsOf(functionName).flatMap((invocation) => invocation.event.Records);
    expect(delivered.map((record) => record.kinesis.sequenceNumber).sort()).toEqual(
      [...parentRecords, ...childRecords].sort(),
    );
    const lastParent = delivered.findLastIndex((record) => record.eventID.startsWith('shardId-000000000000:'));
    const firstChild = delivered.findIndex((record) => !record.eventID.startsWith('shardId-000000000000:'));
    expect(lastParent).toBe(19);
    expect(firstChild).toBe(20);
    expect(new Set(delivered.slice(20).map((record) => record.eventID.split(':')[0]))).toEqual(
      new Set(['shardId-000000000001', 'shardId-000000000002']),
    );
    expect(mappings.stats().mappings[0]?.shards.find((shard) => shard.shardId === 'shardId-000000000000')?.ended).toBe(
      true,
    );
  });

  test('waits up to the batching window to fill a batch, and invokes at once when the batch is full', async () => {
    const trickle = await newStream();
    const burst = await newStream();
    lambda.setHandler(trickle.functionName, () => undefined);
    lambda.setHandler(burst.functionName, () => undefined);
    const mappings = await startKinesisEventSourceMappings({
      kinesisEndpoint: emulators.kinesisEndpoint,
      region: REGION,
      stateDir,
      mappings: [
        {
          functionName: trickle.functionName,
          streamArn: trickle.streamArn,
          lambdaEndpoint: lambda.endpoint,
          batchSize: 4,
          maximumBatchingWindowInSeconds: 1,
        },
        {
          functionName: burst.functionName,
          streamArn: burst.streamArn,
          lambdaEndpoint: lambda.endpoint,
          batchSize: 4,
          maximumBatchingWindowInSeconds: 30,
        },
      ],
      log: quietLog,
      timing: FAST_TIMING,
    });
    running.push(mappings);
    await mappings.idle();

    // Three records trickling in within the window arrive in one invocation, a second after the first was read.
    const firstPutAt = Date.now();
    for (const record of records(3, 'trickle')) {
      await emulators.putRecords(trickle.streamName, [record]);
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await until(() => lambda.invocationsOf(trickle.functionName).length === 1, 'the windowed batch');
    const [windowed] = lambda.invocationsOf(trickle.functionName);
    expect(windowed?.event.Records).toHaveLength(3);
    expect((windowed?.startedAt ?? 0) - firstPutAt).toBeGreaterThanOrEqual(1000);

    // Eight records at once fill two batches of four: neither waits for the 30-second window.
    await emulators.putRecords(burst.streamName, records(8, 'burst'));
    await until(() => lambda.invocationsOf(burst.functionName).length === 2, 'two full batches', 20_000);
    expect(lambda.invocationsOf(burst.functionName).map((invocation) => invocation.event.Records.length)).toEqual([
      4, 4,
    ]);
    await mappings.idle();
  });

  test('keeps every invocation payload under Lambda’s 6 MB limit whatever the batch size', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const big = Buffer.alloc(1_000_000, 7);
    for (let index = 0; index < 5; index += 1) await putLargeRecord(emulators.kinesis, streamName, big, `big-${index}`);
    lambda.setHandler(functionName, () => undefined);

    const mappings = await start({ functionName, streamArn, batchSize: 100 });
    await mappings.idle();

    const invocations = lambda.invocationsOf(functionName);
    expect(invocations.flatMap((invocation) => invocation.event.Records)).toHaveLength(5);
    // 1 MB is 1.33 MB in base64: four fit in 6 MB, five do not.
    expect(invocations.map((invocation) => invocation.event.Records.length)).toEqual([4, 1]);
    for (const invocation of invocations) expect(invocation.payloadBytes).toBeLessThanOrEqual(6 * 1024 * 1024);
  });
});

describe('checkpoints', () => {
  test('are persisted after each batch; a restart resumes after the last one, and a stop lets the batch in flight finish', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const first = await emulators.putRecords(streamName, records(60));
    let holdNext = false;
    let heldStarted = false;
    lambda.setHandler(functionName, async () => {
      if (holdNext) {
        holdNext = false;
        heldStarted = true;
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    });

    const firstRun = await start({ functionName, streamArn, batchSize: 10 });
    await firstRun.idle();
    expect(deliveredSequenceNumbers(functionName)).toEqual(first);

    // A stop while a batch is in flight waits for it and commits it.
    const during = await emulators.putRecords(streamName, records(10, 'during'));
    holdNext = true;
    await until(() => heldStarted, 'the held invocation');
    const stoppedAt = Date.now();
    await firstRun.stop();
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(200);
    const uuid = stableMappingUuid(functionName, streamArn);
    const file = JSON.parse(
      await readFile(path.join(stateDir, 'kinesis-event-source-mappings', `${uuid}.json`), 'utf8'),
    ) as {
      shards: Record<string, { sequenceNumber: string }>;
    };
    expect(file.shards['shardId-000000000000']?.sequenceNumber).toBe(during[during.length - 1]);

    const whileStopped = await emulators.putRecords(streamName, records(25, 'later'));
    const secondRun = await start({ functionName, streamArn, batchSize: 10 });
    await secondRun.idle();

    const delivered = deliveredSequenceNumbers(functionName);
    expect(delivered).toEqual([...first, ...during, ...whileStopped]);
    expect(secondRun.stats().totals.recordsRead).toBe(25);
  });

  test('a LATEST mapping skips what predates it, but not what arrives while it is stopped', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    await emulators.putRecords(streamName, records(5, 'before'));
    lambda.setHandler(functionName, () => undefined);

    const firstRun = await start({ functionName, streamArn, startingPosition: 'LATEST' });
    await firstRun.idle();
    const live = await emulators.putRecords(streamName, records(3, 'live'));
    await firstRun.idle();
    await firstRun.stop();
    const whileStopped = await emulators.putRecords(streamName, records(4, 'stopped'));

    const secondRun = await start({ functionName, streamArn, startingPosition: 'LATEST' });
    await secondRun.idle();
    expect(deliveredSequenceNumbers(functionName)).toEqual([...live, ...whileStopped]);
  });
});

describe('a crash', () => {
  test('re-delivers at most the batch that was in flight when the process was killed', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const sequenceNumbers = await emulators.putRecords(streamName, records(50));
    let calls = 0;
    lambda.setHandler(functionName, () => {
      calls += 1;
      // The third batch never answers: the process dies while it is in flight.
      return calls === 3 ? new Promise(() => undefined) : undefined;
    });
    const options = {
      kinesisEndpoint: emulators.kinesisEndpoint,
      region: REGION,
      stateDir,
      timing: FAST_TIMING,
      mappings: [{ functionName, streamArn, lambdaEndpoint: lambda.endpoint, batchSize: 10 }],
    };
    const child = spawn(
      process.execPath,
      ['--require', 'tsx/cjs', path.join(__dirname, 'run-mappings-in-child.ts'), JSON.stringify(options)],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until(() => calls === 3, 'the third batch', 30_000);
    child.kill('SIGKILL');
    await exited;
    expect(deliveredSequenceNumbers(functionName)).toEqual(sequenceNumbers.slice(0, 30));

    lambda.invocations.length = 0;
    const restarted = await start({ functionName, streamArn, batchSize: 10 });
    await restarted.idle();
    // Batches one and two were committed before the third was invoked; the third comes again.
    expect(deliveredSequenceNumbers(functionName)).toEqual(sequenceNumbers.slice(20));
  });
});

describe('ReportBatchItemFailures', () => {
  test('checkpoints before the lowest failed sequence number and retries from there, never the records before it', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const sequenceNumbers = await emulators.putRecords(streamName, records(10));
    let calls = 0;
    lambda.setHandler(functionName, () => {
      calls += 1;
      // Listed out of order: Lambda takes the lowest sequence number, not the first entry.
      if (calls === 1)
        return { batchItemFailures: [{ itemIdentifier: sequenceNumbers[6] }, { itemIdentifier: sequenceNumbers[3] }] };
      return { batchItemFailures: [] };
    });

    const mappings = await start({ functionName, streamArn, batchSize: 10, reportBatchItemFailures: true });
    await mappings.idle();

    const batches = lambda.invocationsOf(functionName).map((invocation) => sequenceNumbersOf(invocation.event.Records));
    expect(batches).toEqual([sequenceNumbers, sequenceNumbers.slice(3)]);
    expect(mappings.stats().mappings[0]?.shards[0]?.checkpoint).toBe(sequenceNumbers[9]);
  });

  test('is ignored when the mapping does not turn it on', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const sequenceNumbers = await emulators.putRecords(streamName, records(4));
    lambda.setHandler(functionName, () => ({ batchItemFailures: [{ itemIdentifier: sequenceNumbers[0] }] }));

    const mappings = await start({ functionName, streamArn, batchSize: 10 });
    await mappings.idle();
    expect(lambda.invocationsOf(functionName)).toHaveLength(1);
  });

  test.each([
    ['an empty itemIdentifier', { itemIdentifier: '' }],
    ['a null itemIdentifier', { itemIdentifier: null }],
    ['a misspelt key', { itemIdentifer: 'x' }],
    [
      'a sequence number from no record of the batch',
      { itemIdentifier: '49999999999999999999999999999999999999999999999999999999' },
    ],
  ])('fails the whole batch for %s', async (_, failure) => {
    const { streamName, streamArn, functionName } = await newStream();
    const sequenceNumbers = await emulators.putRecords(streamName, records(5));
    let calls = 0;
    lambda.setHandler(functionName, () => {
      calls += 1;
      return calls === 1 ? { batchItemFailures: [{ itemIdentifier: sequenceNumbers[2] }, failure] } : undefined;
    });

    const mappings = await start({ functionName, streamArn, batchSize: 10, reportBatchItemFailures: true });
    await mappings.idle();
    const batches = lambda.invocationsOf(functionName).map((invocation) => sequenceNumbersOf(invocation.event.Records));
    expect(batches).toEqual([sequenceNumbers, sequenceNumbers]);
  });
});

describe('failures', () => {
  test('bisecting isolates a poison record: everything else is processed once, in order, and the poison goes to the destination', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const bucket = `failed-${streamCounter}`;
    await emulators.createBucket(bucket);
    const sequenceNumbers = await emulators.putRecords(streamName, records(16));
    const poison = sequenceNumbers[10];
    const processed: string[] = [];
    lambda.setHandler(functionName, (event) => {
      const batch = sequenceNumbersOf(event.Records);
      if (batch.includes(poison as string)) throw new Error('cannot parse invoice line');
      processed.push(...batch);
    });

    const mappings = await start({
      functionName,
      streamArn,
      batchSize: 16,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 0,
      onFailureDestinationArn: `arn:aws:s3:::${bucket}`,
    });
    await mappings.idle();

    expect(processed).toEqual(sequenceNumbers.filter((sequenceNumber) => sequenceNumber !== poison));
    // Halves in stream order: 16 fails; 0-7 pass; 8-15 fails; 8-11 fails; 8-9 pass; 10-11 fails; 10 fails (given up); 11 and 12-15 pass.
    expect(lambda.invocationsOf(functionName).map((invocation) => invocation.event.Records.length)).toEqual([
      16, 8, 8, 4, 2, 2, 1, 1, 4,
    ]);
    const [failure, ...others] = await emulators.readObjects(bucket);
    expect(others).toHaveLength(0);
    expect(failure?.body).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 1 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      KinesisBatchInfo: { batchSize: 1, startSequenceNumber: poison, endSequenceNumber: poison },
      payload: { Records: [expect.objectContaining({ eventID: `shardId-000000000000:${poison}` })] },
    });
    expect(mappings.stats().totals).toMatchObject({
      recordsProcessed: 15,
      recordsSentToOnFailureDestination: 1,
      recordsDropped: 0,
    });
  });

  test('once retries are exhausted, writes AWS’s invocation record with the event to the S3 destination and moves on', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const bucket = `failed-${streamCounter}`;
    await emulators.createBucket(bucket);
    const sequenceNumbers = await emulators.putRecords(
      streamName,
      records(10).map((record, index) => (index === 2 ? { ...record, data: '{"bad":true}' } : record)),
    );
    lambda.setHandler(functionName, (event) => {
      if (event.Records.some((record) => Buffer.from(record.kinesis.data, 'base64').toString() === '{"bad":true}'))
        throw new Error('Quantity is not a number');
    });
    const uuid = stableMappingUuid(functionName, streamArn);
    const before = new Date();

    const mappings = await start({
      functionName,
      streamArn,
      batchSize: 5,
      maximumRetryAttempts: 2,
      onFailureDestinationArn: `arn:aws:s3:::${bucket}`,
    });
    await mappings.idle();

    const batches = lambda.invocationsOf(functionName).map((invocation) => sequenceNumbersOf(invocation.event.Records));
    const firstBatch = sequenceNumbers.slice(0, 5);
    // One invocation and two retries of the failing batch, then the next batch.
    expect(batches).toEqual([firstBatch, firstBatch, firstBatch, sequenceNumbers.slice(5)]);

    const objects = await emulators.readObjects(bucket);
    expect(objects).toHaveLength(1);
    const [{ key, body, text }] = objects as [{ key: string; body: Record<string, unknown>; text: string }];
    const keyPattern = new RegExp(
      `^aws/lambda/${uuid}/shardId-000000000000/(\\d{4})/(\\d{2})/(\\d{2})/(\\d{4})-(\\d{2})-(\\d{2})T\\d{2}\\.\\d{2}\\.\\d{2}-[0-9a-f-]{36}$`,
    );
    const keyParts = keyPattern.exec(key);
    expect(keyParts).not.toBeNull();
    expect(keyParts?.slice(1, 4)).toEqual(keyParts?.slice(4, 7));
    expect(Object.keys(body)).toEqual([
      'requestContext',
      'responseContext',
      'version',
      'timestamp',
      'KinesisBatchInfo',
      'payload',
    ]);
    const firstEvent = lambda.invocationsOf(functionName)[0]?.event;
    const arrivals =
      firstEvent?.Records.map((record) => new Date(record.kinesis.approximateArrivalTimestamp * 1000).toISOString()) ??
      [];
    expect(body).toEqual({
      requestContext: {
        requestId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: firstBatch[0],
        endSequenceNumber: firstBatch[4],
        approximateArrivalOfFirstRecord: arrivals[0],
        approximateArrivalOfLastRecord: arrivals[4],
        batchSize: 5,
        streamArn,
      },
      // The event exactly as the function was invoked with it.
      payload: firstEvent,
    });
    expect(Date.parse(body.timestamp as string)).toBeGreaterThanOrEqual(before.getTime());
    expect(text).toContain('"payload":{"Records":[');
    expect(mappings.stats().mappings[0]?.shards[0]?.checkpoint).toBe(sequenceNumbers[9]);
  });

  test('records older than maximumRecordAgeInSeconds go to the destination without an invocation', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const bucket = `failed-${streamCounter}`;
    await emulators.createBucket(bucket);
    const old = await emulators.putRecords(streamName, records(3, 'old'));
    // 61 seconds later (kinesalite runs in this process and shares the clock).
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    const fresh = await emulators.putRecords(streamName, records(2, 'fresh'));
    lambda.setHandler(functionName, () => undefined);

    const mappings = await start({
      functionName,
      streamArn,
      batchSize: 10,
      maximumRecordAgeInSeconds: 60,
      onFailureDestinationArn: `arn:aws:s3:::${bucket}`,
    });
    await mappings.idle();

    expect(deliveredSequenceNumbers(functionName)).toEqual(fresh);
    const [expired, ...others] = await emulators.readObjects(bucket);
    expect(others).toHaveLength(0);
    // As AWS writes it: no responseContext, since the records never reached the function.
    expect(Object.keys(expired?.body as object)).toEqual([
      'requestContext',
      'version',
      'timestamp',
      'KinesisBatchInfo',
      'payload',
    ]);
    expect(expired?.body).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 1 },
      KinesisBatchInfo: { batchSize: 3, startSequenceNumber: old[0], endSequenceNumber: old[2] },
    });
  });

  test('invocations that never reach the function are retried without spending retry attempts', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const bucket = `failed-${streamCounter}`;
    await emulators.createBucket(bucket);
    const sequenceNumbers = await emulators.putRecords(streamName, records(3));

    // No handler yet: the endpoint answers 404 ResourceNotFoundException, like serverless-offline for an unknown name.
    const mappings = await start({
      functionName,
      streamArn,
      maximumRetryAttempts: 0,
      onFailureDestinationArn: `arn:aws:s3:::${bucket}`,
    });
    await until(() => mappings.stats().totals.invokeErrors >= 3, 'three failed invocations');
    lambda.setHandler(functionName, () => undefined);
    await mappings.idle();

    expect(deliveredSequenceNumbers(functionName)).toEqual(sequenceNumbers);
    expect(await emulators.readObjects(bucket)).toEqual([]);
    expect(warnings.some((warning) => warning.includes('ResourceNotFoundException'))).toBe(true);
  });

  test('without a destination, a batch given up on is dropped as on AWS, with a warning naming the records', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const sequenceNumbers = await emulators.putRecords(streamName, records(2));
    lambda.setHandler(functionName, () => {
      throw new Error('always');
    });
    const mappings = await start({ functionName, streamArn, maximumRetryAttempts: 1 });
    await mappings.idle();

    expect(lambda.invocationsOf(functionName)).toHaveLength(2);
    expect(mappings.stats().totals.recordsDropped).toBe(2);
    expect(warnings).toContainEqual(
      expect.stringContaining(`dropping 2 records ${sequenceNumbers[0]}..${sequenceNumbers[1]}`),
    );
  });
});

describe('stop', () => {
  test('returns at once during a retry wait, committing nothing it did not process', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    await emulators.putRecords(streamName, records(2));
    lambda.setHandler(functionName, () => {
      throw new Error('down');
    });
    const mappings = await startKinesisEventSourceMappings({
      kinesisEndpoint: emulators.kinesisEndpoint,
      region: REGION,
      stateDir,
      mappings: [{ functionName, streamArn, lambdaEndpoint: lambda.endpoint }],
      log: quietLog,
      timing: { ...FAST_TIMING, retryDelayMs: 60_000, maxRetryDelayMs: 60_000 },
    });
    await until(() => lambda.invocationsOf(functionName).length === 1, 'the first invocation');
    await until(() => warnings.some((warning) => warning.includes('retry 1 (no limit) in 60000 ms')), 'the retry wait');

    const stoppedAt = Date.now();
    await mappings.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(1_000);
    expect(mappings.stats().mappings[0]?.shards[0]?.checkpoint).toBeUndefined();
  });

  test('abandons an invocation that outlasts stopTimeoutMs, which the next start delivers again', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const sequenceNumbers = await emulators.putRecords(streamName, records(3));
    lambda.setHandler(functionName, () => new Promise(() => undefined));
    const mappings = await start({ functionName, streamArn }, { stopTimeoutMs: 100 });
    await until(() => lambda.invocationsOf(functionName).length === 1, 'the hanging invocation');

    const stoppedAt = Date.now();
    await mappings.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
    expect(mappings.stats().mappings[0]?.shards[0]?.checkpoint).toBeUndefined();

    lambda.setHandler(functionName, () => undefined);
    const restarted = await start({ functionName, streamArn });
    await restarted.idle();
    expect(deliveredSequenceNumbers(functionName)).toEqual([...sequenceNumbers, ...sequenceNumbers]);
  });
});

describe('filterPatterns', () => {
  test('invoke the function only with matching records, and checkpoint past the others', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const lines = [
      { data: '{"country":"United Kingdom","quantity":6}', partitionKey: 'a' },
      { data: '{"country":"France","quantity":24}', partitionKey: 'b' },
      { data: 'not json', partitionKey: 'c' },
      { data: '{"country":"United Kingdom","quantity":-1}', partitionKey: 'd' },
      { data: '{"country":"EIRE","quantity":12}', partitionKey: 'e' },
    ];
    const sequenceNumbers = await emulators.putRecords(streamName, lines);
    lambda.setHandler(functionName, () => undefined);
    const filter = {
      functionName,
      streamArn,
      batchSize: 10,
      filterPatterns: [{ data: { country: ['United Kingdom'], quantity: [{ numeric: ['>', 0] }] } }],
    };

    const firstRun = await start(filter);
    await firstRun.idle();
    expect(deliveredSequenceNumbers(functionName)).toEqual([sequenceNumbers[0]]);
    expect(firstRun.stats().totals).toMatchObject({ recordsRead: 5, recordsProcessed: 1, recordsSkipped: 4 });
    expect(firstRun.stats().mappings[0]?.shards[0]?.checkpoint).toBe(sequenceNumbers[4]);
    await firstRun.stop();

    const secondRun = await start(filter);
    await secondRun.idle();
    expect(secondRun.stats().totals.recordsRead).toBe(0);
  });
});

/**
 * The stream consumers' `stream` event as resources/stream-consumer-defaults.yml declares it, read into a mapping by
 * the same reader `npm start` uses, on this test's stream and bucket.
 */
function declaredStreamConsumerMapping(
  target: { functionName: string; streamArn: string; bucket: string },
  overrides: Partial<KinesisEventSourceMappingInput> = {},
): KinesisEventSourceMappingInput {
  const declared = readYaml('resources/stream-consumer-defaults.yml').invoiceLineStreamEvent as Record<string, unknown>;
  const config = {
    service: 'retail-esm-test',
    provider: { stage: 'local', region: REGION },
    functions: {
      consumer: {
        name: target.functionName,
        events: [
          {
            stream: { ...declared, arn: target.streamArn, onFailureBucketArn: `arn:aws:s3:::${target.bucket}` },
          },
        ],
      },
    },
  };
  const [mapping] = readKinesisEventSourceMappings(config, { lambdaEndpoint: lambda.endpoint });
  return { ...(mapping as KinesisEventSourceMappingInput), ...overrides };
}

function readYaml(file: string): Record<string, unknown> {
  // The CloudFormation tags (!Join...) do not matter here: parseDocument keeps them as plain values.
  return parseDocument(readFileSync(path.join(REPO_ROOT, file), 'utf8')).toJS() as Record<string, unknown>;
}

describe('with the stream consumers’ declared settings (resources/stream-consumer-defaults.yml)', () => {
  test('retry until the records expire, expire them well before the stream trims them, report and bisect', () => {
    const mapping = declaredStreamConsumerMapping({
      functionName: 'f',
      streamArn: 'arn:aws:kinesis:eu-west-2:000000000000:stream/s',
      bucket: 'b',
    });
    const kinesis = readYaml('resources/kinesis.yml') as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    const retentionSeconds = Number(kinesis.Resources.InvoiceLineStream?.Properties.RetentionPeriodHours) * 3600;

    expect(mapping).toMatchObject({
      maximumRetryAttempts: -1,
      reportBatchItemFailures: true,
      bisectBatchOnFunctionError: true,
    });
    // Given up on while the records are still on the stream, with time left there for `npm run redrive`.
    expect(mapping.maximumRecordAgeInSeconds).toBeGreaterThanOrEqual(3600);
    expect(mapping.maximumRecordAgeInSeconds).toBeLessThanOrEqual(retentionSeconds / 2);
  });

  test.each([
    ['reports its batch from the first record (its store does not answer)', 'report'],
    ['fails the invocation (it timed out)', 'throw'],
  ] as const)(
    'a function that %s for longer than five retries loses nothing: retried with growing waits, then every record once, in order',
    async (_, failure) => {
      const { streamName, streamArn, functionName } = await newStream();
      const bucket = `failed-${streamCounter}`;
      await emulators.createBucket(bucket);
      const sequenceNumbers = await emulators.putRecords(streamName, records(12));
      const outageInvocations = 10;
      const processed: string[] = [];
      lambda.setHandler(functionName, (event) => {
        const batch = sequenceNumbersOf(event.Records);
        if (lambda.invocationsOf(functionName).length <= outageInvocations) {
          if (failure === 'throw') throw new Error('Task timed out after 60.00 seconds');
          return { batchItemFailures: batch.map((itemIdentifier) => ({ itemIdentifier })) };
        }
        processed.push(...batch);
        return { batchItemFailures: [] };
      });

      const mappings = await start(declaredStreamConsumerMapping({ functionName, streamArn, bucket }));
      await mappings.idle();

      expect(processed).toEqual(sequenceNumbers);
      expect(await emulators.readObjects(bucket)).toEqual([]);
      expect(mappings.stats().totals).toMatchObject({ recordsSentToOnFailureDestination: 0, recordsDropped: 0 });
      expect(mappings.stats().mappings[0]?.shards[0]?.checkpoint).toBe(sequenceNumbers[11]);
      // Retries of one batch wait 5 ms, 10, 20, then 40 ms at most (FAST_TIMING), never back to back; bisecting a
      // failed invocation retries each half at once, and spends no retry.
      const started = lambda.invocationsOf(functionName).map((invocation) => invocation.startedAt);
      const sizes = lambda.invocationsOf(functionName).map((invocation) => invocation.event.Records.length);
      const retryWaits = started.slice(1, outageInvocations).flatMap((at, index) => {
        const bisected = failure === 'throw' && sizes[index + 1]! < sizes[index]!;
        return bisected ? [] : [at - started[index]!];
      });
      expect(retryWaits.length).toBeGreaterThanOrEqual(failure === 'report' ? 9 : 5);
      for (const wait of retryWaits) expect(wait).toBeGreaterThanOrEqual(4);
      expect(Math.max(...retryWaits)).toBeGreaterThanOrEqual(FAST_TIMING.maxRetryDelayMs - 1);
    },
  );

  test('a record older than the maximum age while its store is down goes to the destination with RecordAgeExceeded, and the shard moves on', async () => {
    const { streamName, streamArn, functionName } = await newStream();
    const bucket = `failed-${streamCounter}`;
    await emulators.createBucket(bucket);
    const old = await emulators.putRecords(streamName, records(3, 'old'));
    const realNow = Date.now.bind(Date);
    let clockAhead = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockAhead);
    let fresh: string[] = [];
    const processed: string[] = [];
    lambda.setHandler(functionName, (event) => {
      const batch = sequenceNumbersOf(event.Records);
      if (batch.some((sequenceNumber) => old.includes(sequenceNumber))) {
        // The store is down; after the third try the records are 61 s old, over the mapping's 60 s.
        if (lambda.invocationsOf(functionName).length === 3) clockAhead = 61_000;
        return { batchItemFailures: [{ itemIdentifier: batch[0] }] };
      }
      processed.push(...batch);
      return { batchItemFailures: [] };
    });

    // The declared settings with the shortest age AWS accepts, as RETAIL_STREAM_MAXIMUM_RECORD_AGE_SECONDS=60 gives.
    const mappings = await start(
      declaredStreamConsumerMapping({ functionName, streamArn, bucket }, { maximumRecordAgeInSeconds: 60 }),
    );
    // Polled on timers, not with until(): Date.now runs 61 s ahead from the third invocation on.
    for (let polls = 0; mappings.stats().totals.recordsSentToOnFailureDestination < 3; polls++) {
      if (polls === 1_000) throw new Error('Timed out waiting for the expired records.');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    fresh = await emulators.putRecords(streamName, records(2, 'fresh'));
    await mappings.idle();

    expect(lambda.invocationsOf(functionName)).toHaveLength(4);
    expect(processed).toEqual(fresh);
    const [expired, ...others] = await emulators.readObjects(bucket);
    expect(others).toHaveLength(0);
    expect(expired?.key).toMatch(
      new RegExp(`^aws/lambda/${stableMappingUuid(functionName, streamArn)}/shardId-000000000000/`),
    );
    // As AWS writes it: requestContext.condition RecordAgeExceeded, KinesisBatchInfo naming the records, no responseContext.
    expect(Object.keys(expired?.body as object)).toEqual([
      'requestContext',
      'version',
      'timestamp',
      'KinesisBatchInfo',
      'payload',
    ]);
    expect(expired?.body).toMatchObject({
      requestContext: {
        functionArn: `arn:aws:lambda:${REGION}:${ACCOUNT_ID}:function:${functionName}`,
        condition: 'RecordAgeExceeded',
        approximateInvokeCount: 3,
      },
      version: '1.0',
      KinesisBatchInfo: {
        shardId: 'shardId-000000000000',
        startSequenceNumber: old[0],
        endSequenceNumber: old[2],
        batchSize: 3,
        streamArn,
      },
    });
    expect(mappings.stats().mappings[0]?.shards[0]?.checkpoint).toBe(fresh[1]);
  });
});

describe('RETAIL_STREAM_MAXIMUM_RECORD_AGE_SECONDS', () => {
  const mapping = completeKinesisEventSourceMapping({
    functionName: 'f',
    lambdaEndpoint: 'http://127.0.0.1:1',
    streamArn: `arn:aws:kinesis:${REGION}:${ACCOUNT_ID}:stream/s`,
    maximumRecordAgeInSeconds: 43_200,
  });

  test('unset, the declared age holds; set, it replaces it', () => {
    expect(withLocalRecordAge([mapping], {})[0]?.maximumRecordAgeInSeconds).toBe(43_200);
    expect(withLocalRecordAge([mapping], { [MAXIMUM_RECORD_AGE_VARIABLE]: '60' })[0]?.maximumRecordAgeInSeconds).toBe(
      60,
    );
  });

  test.each(['59', '1.5', 'an hour', '604801'])(
    '%s, which AWS would refuse, fails the start naming the variable',
    (value) => {
      expect(() => withLocalRecordAge([mapping], { [MAXIMUM_RECORD_AGE_VARIABLE]: value })).toThrow(
        MAXIMUM_RECORD_AGE_VARIABLE,
      );
    },
  );
});
