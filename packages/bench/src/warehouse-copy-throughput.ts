import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InvoiceLineEvent } from '@retail/domain';
import { CopyTextChunker, copyTextLine } from '@retail/local-platform/redshift-data';
import { readLandingColumns, type LandingColumns } from '@retail/local-platform/warehouse';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MEASUREMENT_ROUNDS, type BestRound } from './emulator-throughput';
import type { Throughput } from './ingest-benchmarks';

// A schema of its own, dropped after the rounds: the platform's tables hold only what the load puts there.
const SCRATCH_SCHEMA = 'bench_copy_bound';

/**
 * The embedded PostgreSQL's own `COPY ... FROM STDIN` rate, the bound of the warehouse stage: the events as COPY text
 * rows (the landing table's columns, in landing-columns.yml's order, through their jsonpaths), streamed into a table
 * like the landing table, one COPY per round, the best of MEASUREMENT_ROUNDS. The rows are built, and joined into the
 * chunks the local COPY sends (one CopyData message each, as psql's \copy sends a file), before the clock starts:
 * what is timed is PostgreSQL parsing, checking and writing them. Written one row per message, as this bench did
 * until 2026-12-07, node's stream and the pg client spent about 10 core-s on 541,909 rows and the round took 10.9 s
 * where PostgreSQL needed 2.2 s: that measured node, not PostgreSQL.
 */
export async function measureWarehouseCopy(
  warehouseUrl: string,
  events: readonly InvoiceLineEvent[],
): Promise<BestRound<Throughput>> {
  const landing = await readLandingColumns();
  const chunker = new CopyTextChunker();
  const chunks = events.flatMap(
    (event) => chunker.add(copyTextLine(landing.columns.map(({ jsonpath }) => fieldAt(event, jsonpath)))) ?? [],
  );
  const rest = chunker.end();
  if (rest !== undefined) chunks.push(rest);
  const columnList = landing.columns.map((column) => column.name).join(', ');
  const client = new Client({ connectionString: warehouseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${SCRATCH_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${SCRATCH_SCHEMA}`);
    const rounds: Throughput[] = [];
    for (let round = 1; round <= MEASUREMENT_ROUNDS; round++) {
      const table = `${SCRATCH_SCHEMA}.landing_${round}`;
      await client.query(`CREATE TABLE ${table} (LIKE ${landing.table} INCLUDING DEFAULTS)`);
      const started = performance.now();
      await pipeline(Readable.from(chunks), client.query(copyFrom(`COPY ${table} (${columnList}) FROM STDIN`)));
      const elapsedMs = performance.now() - started;
      rounds.push({ items: events.length, failed: 0, elapsedMs, perSecond: events.length / (elapsedMs / 1000) });
    }
    const best = rounds.reduce((fastest, round) => (round.perSecond > fastest.perSecond ? round : fastest));
    return { ...best, roundsPerSecond: rounds.map((round) => round.perSecond) };
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${SCRATCH_SCHEMA} CASCADE`).catch(() => undefined);
    await client.end();
  }
}

export interface WarehouseCount {
  /** Rows in the append-only landing table: every delivery, duplicates included. */
  landingRows: number;
  /** Rows in the fact table: one per line id, after the merge. */
  factLines: number;
}

/** Counts the landing and fact tables (PostgreSQL counts 541,909 rows in tens of milliseconds). */
export class WarehouseCounter {
  private constructor(
    private readonly client: Client,
    private readonly landing: LandingColumns,
  ) {}

  static async connect(warehouseUrl: string): Promise<WarehouseCounter> {
    const client = new Client({ connectionString: warehouseUrl });
    await client.connect();
    return new WarehouseCounter(client, await readLandingColumns());
  }

  async count(): Promise<WarehouseCount> {
    const { rows } = await this.client.query<{ landing_rows: string; fact_lines: string }>(
      `SELECT (SELECT count(*) FROM ${this.landing.table}) AS landing_rows,
              (SELECT count(*) FROM ${FACT_TABLE}) AS fact_lines`,
    );
    return { landingRows: Number(rows[0]!.landing_rows), factLines: Number(rows[0]!.fact_lines) };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** The fact table the merge fills (resources/warehouse/0030-fact.sql). */
const FACT_TABLE = 'retail.fact_invoice_line';

function fieldAt(event: InvoiceLineEvent, jsonpath: string): string | null {
  const field = /^\$\.(\w+)$/.exec(jsonpath)?.[1];
  if (field === undefined)
    throw new Error(`landing-columns.yml: the bench reads only $.<field> jsonpaths, not ${jsonpath}`);
  const value = (event as unknown as Record<string, unknown>)[field];
  return value === null || value === undefined ? null : String(value);
}
