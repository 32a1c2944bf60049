import { availableParallelism } from 'node:os';
import type { DrainResult } from './bench-pipeline-drain';
import { MEASUREMENT_ROUNDS, type BestRound, type EmulatorThroughput } from './emulator-throughput';
import type { Throughput } from './ingest-benchmarks';
import { type LoadSummary, type ReconcileReport } from '@retail/cli';

/** Target: the full pipeline within 1.5x of the slowest emulator alone. */
export const MIN_RATIO_TO_SLOWEST_EMULATOR = 1 / 1.5;

/** One load through the platform: when it started and what each stage reached when. Times are performance.now(). */
export interface LoadRun {
  loadNumber: number;
  startedAt: number;
  apiAcceptedAt: number;
  load: LoadSummary;
  drain: DrainResult;
  /** CPU seconds each process used from the first request until the sinks were found complete. */
  cpu: { name: string; seconds: number }[];
  /** When the drain was found complete (the end of the CPU reading). */
  drainedAt: number;
  reconcile: ReconcileReport;
}

/** Target: the warehouse stage at least half the embedded PostgreSQL's own COPY FROM STDIN rate. */
export const MIN_RATIO_TO_WAREHOUSE_COPY = 0.5;

export interface SlowestEmulator {
  name: keyof EmulatorThroughput;
  perSecond: number;
}

const n = (value: number) => Math.round(value).toLocaleString('en-GB');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

export function slowestEmulator(emulators: EmulatorThroughput): SlowestEmulator {
  const entries = (Object.keys(emulators) as (keyof EmulatorThroughput)[]).map((name) => ({
    name,
    perSecond: emulators[name].perSecond,
  }));
  return entries.reduce((slowest, entry) => (entry.perSecond < slowest.perSecond ? entry : slowest));
}

export function formatEmulators(emulators: EmulatorThroughput, concurrency: number): string[] {
  const { kinesalite, dynalite, s3rver } = emulators;
  const failed = (figure: Throughput) => (figure.failed > 0 ? `, ${n(figure.failed)} FAILED` : '');
  const slowest = slowestEmulator(emulators);
  const rounds = (figure: { roundsPerSecond: number[] }) => `; rounds ${figure.roundsPerSecond.map(n).join(', ')}/s`;
  return [
    `Emulators alone (throw-away stream, table and bucket for each round; before the load; the best of ${MEASUREMENT_ROUNDS} rounds):`,
    `  kinesalite PutRecords     ${n(kinesalite.perSecond).padStart(8)} records/s  ${n(kinesalite.items)} records of ${n(kinesalite.averageBytes)} B avg, 500 per call, ${concurrency} in flight, ${seconds(kinesalite.elapsedMs)}${failed(kinesalite)}${rounds(kinesalite)}`,
    `  dynalite BatchWriteItem   ${n(dynalite.perSecond).padStart(8)} items/s    ${n(dynalite.items)} invoice line items, 25 per call, ${concurrency} in flight, ${seconds(dynalite.elapsedMs)}${failed(dynalite)}${rounds(dynalite)}`,
    `  s3rver PutObject          ${n(s3rver.perSecond).padStart(8)} rows/s     ${n(s3rver.objects)} gzipped NDJSON objects of ${n(s3rver.rowsPerObject)} rows (${n(s3rver.averageObjectBytes / 1024)} KiB), ${concurrency} in flight, ${seconds(s3rver.elapsedMs)}${failed(s3rver)}${rounds(s3rver)}`,
    `  slowest emulator (bound)  ${n(slowest.perSecond).padStart(8)} rows/s     ${slowest.name}`,
  ];
}

export function formatWarehouseCopy(copy: BestRound<Throughput>): string {
  const rounds = copy.roundsPerSecond.map(n).join(', ');
  return `  PostgreSQL COPY FROM STDIN ${n(copy.perSecond).padStart(8)} rows/s     ${n(copy.items)} landing rows as COPY text, one COPY, ${seconds(copy.elapsedMs)}; rounds ${rounds}/s (the warehouse stage's bound)`;
}

/** A load's stages: when each finished after the first request, its rows/s over that time, and its drain after the API. */
export function formatLoadRun(run: LoadRun, slowest: SlowestEmulator, warehouseCopy?: Throughput): string[] {
  const { load, drain, startedAt, apiAcceptedAt } = run;
  const lines = load.accepted;
  const stage = (label: string, at: number | undefined, note: string) => {
    if (at === undefined) return `  ${label.padEnd(28)} not complete (${note})`;
    const elapsed = at - startedAt;
    const drained = at === apiAcceptedAt ? '' : `  drain ${seconds(at - apiAcceptedAt).padStart(8)} after the API`;
    return `  ${label.padEnd(28)} +${seconds(elapsed).padStart(8)}  ${n(lines / (elapsed / 1000)).padStart(7)} rows/s${drained}  ${note}`;
  };
  const lastOf = (...times: (number | undefined)[]) =>
    times.every((time) => time !== undefined) ? Math.max(...(times as number[])) : undefined;
  const warehouseRuns = drain.warehouseCount !== undefined;
  // The raw archive and DynamoDB were the pipeline before the warehouse: their end is compared across versions.
  const lastStreamSinkAt = lastOf(drain.dynamodbCompleteAt, drain.rawS3CompleteAt);
  const lastSinkAt = warehouseRuns ? lastOf(lastStreamSinkAt, drain.warehouseCompleteAt) : lastStreamSinkAt;
  const endToEnd = lastSinkAt === undefined ? undefined : load.rowsSent / ((lastSinkAt - startedAt) / 1000);
  const ratio = endToEnd === undefined ? undefined : endToEnd / slowest.perSecond;
  const confirmed =
    drain.dynamodbConfirmedAt === undefined
      ? ''
      : `, confirmed by a COUNT scan at +${seconds(drain.dynamodbConfirmedAt - startedAt)}`;
  const dynamodbNote =
    drain.dynamodbSeenBy === 'line count'
      ? `(${n(drain.lastCount?.lines ?? 0)} line items, ${n(drain.lastCount?.summaries ?? 0)} summaries: the table writer's last commit${confirmed}; ${drain.countScans.count} COUNT scans, ${seconds(drain.countScans.totalMs)} of scanning)`
      : drain.dynamodbSeenBy === 'table writer checkpoints'
        ? "(the same items rewritten: timed by the table writer's checkpoints)"
        : 'the same items are rewritten and the platform keeps no checkpoints to time it by';
  const warehouseNote =
    drain.warehouseCount === undefined
      ? ''
      : `(${n(drain.warehouseCount.factLines)} lines in the fact table, ${n(drain.warehouseCount.landingRows)} rows landed)`;
  // From the first request the stage can go no faster than the API feeds the stream; from the API's end on it works
  // through what the stream still holds, with nothing new coming in: that is its own rate.
  const first = drain.warehouseFirstCount;
  const backlog = first === undefined ? 0 : lines - first.count.factLines;
  const backlogRate =
    drain.warehouseCompleteAt === undefined || first === undefined || backlog < lines / 20
      ? undefined
      : backlog / ((drain.warehouseCompleteAt - first.at) / 1000);
  const warehouseLines =
    !warehouseRuns || warehouseCopy === undefined
      ? []
      : [
          backlogRate === undefined
            ? `  warehouse / PostgreSQL COPY  n/a (${drain.warehouseCompleteAt === undefined ? 'not complete' : `${n(backlog)} lines left when the API finished: too few to time`})`
            : `  warehouse / PostgreSQL COPY  ${(backlogRate / warehouseCopy.perSecond).toFixed(2)} (${n(backlogRate)} rows/s: the ${n(backlog)} lines it still had to load when the API finished, over its drain; against ${n(warehouseCopy.perSecond)} rows/s of COPY FROM STDIN alone; target >= ${MIN_RATIO_TO_WAREHOUSE_COPY.toFixed(2)})  ${verdict(backlogRate / warehouseCopy.perSecond >= MIN_RATIO_TO_WAREHOUSE_COPY)}`,
        ];
  const withoutWarehouse =
    !warehouseRuns || lastStreamSinkAt === undefined
      ? []
      : [
          `  DynamoDB and raw S3 complete +${seconds(lastStreamSinkAt - startedAt)}  ${n(load.rowsSent / ((lastStreamSinkAt - startedAt) / 1000))} rows/s (the sinks of the pipeline before the warehouse: compare with a run without it)`,
        ];
  const rawNote = `(${n(drain.rawS3.lines)} lines ${run.loadNumber > 1 ? `delivered ${run.loadNumber} times ` : ''}in ${n(drain.rawS3.objects)} objects so far, ${n(drain.rawS3.records)} records)`;
  const wallSeconds = (run.drainedAt - startedAt) / 1000;
  const cpu = run.cpu.map(({ name, seconds: used }) => `${name} ${n(used)} s`).join(', ');
  const cores = availableParallelism();
  const consumers = drain.consumers.map(
    ({ functionName, caughtUpAt }) =>
      `${functionName} ${caughtUpAt === undefined ? 'not caught up' : `+${seconds(caughtUpAt - startedAt)}`}`,
  );
  return [
    `Load ${run.loadNumber}: ${n(load.rowsSent)} rows, ${n(load.accepted)} accepted, ${n(load.rejectedRows)} rejected, ${n(load.requests)} requests, ${n(load.retries)} retries${load.stoppedBy === undefined ? '' : `; STOPPED EARLY: ${load.stoppedBy}`}`,
    '  stage                        done at       rows/s',
    stage('API accepted the last row', apiAcceptedAt, ''),
    stage('DynamoDB complete', drain.dynamodbCompleteAt, dynamodbNote),
    stage('raw S3 complete', drain.rawS3CompleteAt, rawNote),
    ...(warehouseRuns ? [stage('warehouse complete', drain.warehouseCompleteAt, warehouseNote)] : []),
    `  stream consumers caught up   ${consumers.join('; ') || 'no checkpoints found'}`,
    `  CPU seconds, first request to drained (${n(wallSeconds)} s x ${cores} cores = ${n(wallSeconds * cores)} core-s, shared with other users):`,
    `    ${cpu || 'not available (no /proc)'}`,
    ...warehouseLines,
    ...withoutWarehouse,
    endToEnd === undefined
      ? '  end to end                   not complete'
      : `  end to end                   ${n(endToEnd)} rows/s (${n(load.rowsSent)} rows / ${seconds(lastSinkAt! - startedAt)} from the first request to the last sink complete)`,
    ratio === undefined
      ? `  end to end / slowest emulator  n/a  FAIL`
      : `  end to end / slowest emulator  ${ratio.toFixed(2)} (${n(endToEnd!)} / ${n(slowest.perSecond)} ${slowest.name}; target >= ${MIN_RATIO_TO_SLOWEST_EMULATOR.toFixed(2)}, i.e. within 1.5x)  ${verdict(ratio >= MIN_RATIO_TO_SLOWEST_EMULATOR)}`,
  ];
}

/** Every figure a sink is checked on, the same after the second load as after the first (duplicate deliveries aside). */
export function checkedFiguresThatChanged(first: ReconcileReport, second: ReconcileReport): string[] {
  const changed: string[] = [];
  for (const row of first.rows) {
    const again = second.rows.find((other) => other.figure === row.figure);
    for (const [sink, cell] of Object.entries(row.sinks)) {
      if (cell.check === 'none') continue;
      const value = again?.sinks[sink as keyof typeof row.sinks]?.value;
      if (value !== cell.value) changed.push(`${sink} ${row.figure}: ${cell.value} then ${value ?? 'absent'}`);
    }
  }
  return changed;
}
