import { setTimeout as sleep } from 'node:timers/promises';
import { readStackFile, type StackFile } from '@retail/local-platform';
import { DEFAULT_SCAN_SEGMENTS, scanInvoiceTable } from './reconcile-dynamodb';
import { readRawBucket } from './reconcile-raw-bucket';
import { compareWithSource, type ReconcileReport, type SinkFigures } from './reconcile-report';
import { readSourceFigures } from './reconcile-source';
import { targetsOfLocalStack, type ReconcileTargets } from './reconcile-targets';
import { readWarehouse } from './reconcile-warehouse';
import { SAMPLE_DATA_FILE } from '../command/repository-paths';

export type { ReconcileReport } from './reconcile-report';

export interface ReconcileOptions {
  /** The `.csv` or `.csv.gz` that was loaded; default data/online-retail-sample.csv. */
  file?: string;
  /** The local platform to check; default the one `.local/stack.json` describes. Not read when `targets` is given. */
  stack?: StackFile;
  /** Sinks to check instead of a stack's (a deployed stage: targetsOfDeployedStage); the caller closes them. */
  targets?: ReconcileTargets;
  /** Parallel Scan segments of the invoice table. */
  scanSegments?: number;
}

export interface WaitForReconciliationOptions extends ReconcileOptions {
  /** Give up after this long (the source's reading included) and return the last report, differences and all. */
  timeoutMs: number;
  /** Pause between two readings of the sinks; default 1 s. */
  intervalMs?: number;
  /** Called after each reading of the sinks, with the time since the call began. */
  onAttempt?: (report: ReconcileReport, elapsedMs: number) => void;
}

/** Reads the source and every sink the platform has once; `report.differences` is empty when all agree. */
export async function reconcile(options: ReconcileOptions = {}): Promise<ReconcileReport> {
  return withTargets(options, async (targets) => {
    // At the same time: the file's parsing keeps the CPU busy while the sinks' reads wait on the network.
    const [source, sinks] = await Promise.all([
      readSourceFigures(options.file ?? SAMPLE_DATA_FILE),
      readSinks(targets, options.scanSegments),
    ]);
    return compareWithSource(source, sinks, targets.platform);
  });
}

/** Reads the sinks again until they agree with the source or `timeoutMs` has passed; the source is read once. */
export async function waitForReconciliation(options: WaitForReconciliationOptions): Promise<ReconcileReport> {
  const started = performance.now();
  const intervalMs = options.intervalMs ?? 1_000;
  return withTargets(options, async (targets) => {
    const sourceRead = readSourceFigures(options.file ?? SAMPLE_DATA_FILE);
    for (;;) {
      const [source, sinks] = await Promise.all([sourceRead, readSinks(targets, options.scanSegments)]);
      const report = compareWithSource(source, sinks, targets.platform);
      const elapsedMs = performance.now() - started;
      options.onAttempt?.(report, elapsedMs);
      if (report.differences.length === 0 || elapsedMs + intervalMs >= options.timeoutMs) return report;
      await sleep(intervalMs);
    }
  });
}

async function withTargets<T>(options: ReconcileOptions, use: (targets: ReconcileTargets) => Promise<T>): Promise<T> {
  if (options.targets) return use(options.targets);
  const targets = targetsOfLocalStack(options.stack ?? (await readStackFile()));
  try {
    return await use(targets);
  } finally {
    targets.close();
  }
}

/** Every sink at once: the Scan and the warehouse's queries wait on their servers while the raw objects are parsed. */
async function readSinks(targets: ReconcileTargets, scanSegments = DEFAULT_SCAN_SEGMENTS): Promise<SinkFigures> {
  const { invoiceTable, rawBucket, warehouse } = targets;
  const [dynamodb, rawS3, warehouseFigures] = await Promise.all([
    invoiceTable && scanInvoiceTable(invoiceTable.client, invoiceTable.tableName, scanSegments),
    rawBucket && readRawBucket(rawBucket.client, rawBucket.layout),
    warehouse && readWarehouse(warehouse),
  ]);
  return { dynamodb, rawS3, warehouse: warehouseFigures, notChecked: targets.notChecked };
}
