import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  InvoiceLineNumbering,
  openCsvFile,
  parseMilli,
  readInvoiceLineCsv,
  readInvoiceLines,
  type InvoiceLineEvent,
} from '@retail/domain';
import { precomputedTablesDifferingFromLines } from '@retail/test-support';
import type { ClientBase } from 'pg';
import { REPO_ROOT } from '../../src/platform-settings';
import {
  migrateLocalWarehouse,
  mergeLanding,
  readLandingColumns,
  startLocalWarehouse,
  withWarehouseClient,
  type LandingColumns,
  type LocalWarehouse,
} from '../../src/warehouse';

const SAMPLE_CSV = path.join(REPO_ROOT, 'data', 'online-retail-sample.csv');
const ROWS_PER_INSERT = 500;

interface SampleRow {
  record: Record<string, string>;
  event: InvoiceLineEvent;
}

/** The bundled sample as `npm run load` makes its events: each row numbered within its invoice in file order. */
async function readSample(): Promise<SampleRow[]> {
  const numbering = new InvoiceLineNumbering();
  const rows: SampleRow[] = [];
  for await (const { row, record } of readInvoiceLineCsv(openCsvFile(SAMPLE_CSV))) {
    const read = readInvoiceLines([{ ...record, LineNo: numbering.next(record.InvoiceNo!.trim()) }], row);
    if (!read.ok) throw new Error(`Sample row ${row} is refused: ${JSON.stringify(read.problems)}`);
    rows.push({ record, event: read.lines[0]! });
  }
  return rows;
}

/** What a COPY with the jsonpaths does: each landing column from its event field, in landing-columns.yml order. */
async function land(client: ClientBase, landing: LandingColumns, events: readonly InvoiceLineEvent[]): Promise<void> {
  const fields = landing.columns.map(({ jsonpath }) => jsonpath.replace(/^\$\./, '') as keyof InvoiceLineEvent);
  const names = landing.columns.map((column) => column.name).join(', ');
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    const batch = events.slice(start, start + ROWS_PER_INSERT);
    const values = batch.map(
      (_event, row) => `(${fields.map((_field, column) => `$${row * fields.length + column + 1}`).join(', ')})`,
    );
    await client.query(
      `INSERT INTO ${landing.table} (${names}) VALUES ${values.join(', ')}`,
      batch.flatMap((event) => fields.map((field) => event[field])),
    );
  }
}

const toMilli = (text: string): number => {
  const parsed = parseMilli(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.milli;
};

function sumByKey(rows: readonly SampleRow[], keyOf: (record: Record<string, string>) => string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { record } of rows) {
    const key = keyOf(record);
    // Straight from the CSV text: quantity x unit price in thousandths, no domain code involved.
    sums.set(key, (sums.get(key) ?? 0) + Number(record.Quantity) * toMilli(record.UnitPrice!));
  }
  return sums;
}

const yearMonthOf = (record: Record<string, string>): string => {
  const [, month, , year] = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) /.exec(record.InvoiceDate!) ?? [];
  return `${year}-${month!.padStart(2, '0')}`;
};

async function revenueOf(client: ClientBase, view: string, key: string): Promise<Map<string, number>> {
  const { rows } = await client.query<{ key: string; revenue: string }>(
    `SELECT ${key} AS key, CAST(revenue AS VARCHAR) AS revenue FROM retail.${view}`,
  );
  return new Map(rows.map((row) => [row.key, toMilli(row.revenue)]));
}

const factFigures = (client: ClientBase) =>
  client
    .query<{ lines: string; line_ids: string; revenue: string }>(
      'SELECT COUNT(*) AS lines, COUNT(DISTINCT line_id) AS line_ids, CAST(SUM(line_total) AS VARCHAR) AS revenue FROM retail.fact_invoice_line',
    )
    .then(({ rows: [row] }) => ({ lines: Number(row!.lines), lineIds: Number(row!.line_ids), revenue: row!.revenue }));

describe('the warehouse SQL on the embedded PostgreSQL', () => {
  let stateDir: string;
  let warehouse: LocalWarehouse;
  let sample: SampleRow[];
  let landing: LandingColumns;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-warehouse-sql-'));
    [warehouse, sample, landing] = await Promise.all([
      startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined }),
      readSample(),
      readLandingColumns(),
    ]);
  });

  afterAll(async () => {
    await warehouse?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('applies again over itself: every statement is idempotent', async () => {
    await expect(migrateLocalWarehouse(warehouse.url, warehouse.users)).resolves.toBeUndefined();
  });

  it('declares the landing columns of landing-columns.yml, in order, then the load time', async () => {
    const columnsOf = (table: string) =>
      withWarehouseClient(warehouse.url, async (client) => {
        const [schema, name] = table.split('.');
        const { rows } = await client.query<{ column_name: string }>(
          'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
          [schema, name],
        );
        return rows.map((row) => row.column_name);
      });
    expect(landing.table).toBe('retail.invoice_line_landing');
    await expect(columnsOf(landing.table)).resolves.toEqual([
      ...landing.columns.map((column) => column.name),
      landing.loadTimeColumn,
    ]);
    // The fact table carries the same line columns, so the merge moves them one to one.
    expect((await columnsOf('retail.fact_invoice_line')).slice(0, landing.columns.length)).toEqual(
      landing.columns.map((column) => column.name),
    );
  });

  it('counts each line once across replays, reloads and reruns, keeping identical rows with their own line ids', async () => {
    const events = sample.map((row) => row.event);
    const expected = { lines: sample.length, lineIds: sample.length, revenue: '' };
    await withWarehouseClient(warehouse.url, async (client) => {
      // At-least-once delivery: the batch lands twice before the first merge.
      await land(client, landing, events);
      await land(client, landing, events.slice(0, 1000));
      await mergeLanding(client);
      const first = await factFigures(client);
      expected.revenue = first.revenue;
      expect(first).toEqual(expected);

      await mergeLanding(client); // a rerun with nothing new
      await land(client, landing, events); // a reload of the whole file
      await mergeLanding(client);
      await expect(factFigures(client)).resolves.toEqual(expected);

      const { rows } = await client.query<{ copies: string }>(
        "SELECT COUNT(*) AS copies FROM retail.invoice_line_landing WHERE line_id = '536365:1'",
      );
      expect(Number(rows[0]!.copies)).toBe(3);
    });

    // The sample's exact duplicate rows are real lines: both are in the fact table.
    const seen = new Map<string, InvoiceLineEvent>();
    const duplicate = sample.find(({ record, event }) => {
      const key = JSON.stringify(record);
      if (seen.has(key)) return true;
      seen.set(key, event);
      return false;
    });
    expect(duplicate).toBeDefined();
    const original = seen.get(JSON.stringify(duplicate!.record))!;
    await withWarehouseClient(warehouse.url, async (client) => {
      const { rows } = await client.query<{ line_id: string }>(
        'SELECT line_id FROM retail.fact_invoice_line WHERE line_id IN ($1, $2) ORDER BY line_no',
        [original.lineId, duplicate!.event.lineId],
      );
      expect(rows.map((row) => row.line_id)).toEqual([original.lineId, duplicate!.event.lineId]);
    });
  });

  it('gives revenue by country and by month equal to the CSV to the thousandth', async () => {
    await withWarehouseClient(warehouse.url, async (client) => {
      await expect(revenueOf(client, 'revenue_by_country', 'country')).resolves.toEqual(
        sumByKey(sample, (record) => record.Country!.trim()),
      );
      await expect(revenueOf(client, 'revenue_by_month', 'year_month')).resolves.toEqual(sumByKey(sample, yearMonthOf));
    });
  });

  it('answers every analytic view', async () => {
    const views = [
      'dim_date',
      'dim_product',
      'dim_customer',
      'dim_country',
      'top_products',
      'top_customers',
      'cancellations_by_month',
      'customers',
      'rfm_segments',
      'cohort_retention',
      'sales_by_hour_weekday',
    ];
    await withWarehouseClient(warehouse.url, async (client) => {
      const counts: Record<string, boolean> = {};
      for (const view of views) {
        const { rows } = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM retail.${view}`);
        counts[view] = Number(rows[0]!.n) > 0;
      }
      expect(counts).toEqual(Object.fromEntries(views.map((view) => [view, true])));
      const { rows: cohortStarts } = await client.query<{ retention: string }>(
        'SELECT DISTINCT CAST(retention AS VARCHAR) AS retention FROM retail.cohort_retention WHERE months_since = 0',
      );
      expect(cohortStarts).toEqual([{ retention: '1.0000' }]);
      const { rows: customers } = await client.query<{ rfm: string; sale_customers: string }>(
        `SELECT (SELECT COUNT(*) FROM retail.rfm_segments) AS rfm,
                (SELECT COUNT(DISTINCT customer_id) FROM retail.fact_invoice_line WHERE invoice_kind = 'sale') AS sale_customers`,
      );
      expect(Number(customers[0]!.rfm)).toBe(Number(customers[0]!.sale_customers));
    });
  });

  it('merges only copies newer than the one merged: a late older copy changes nothing, a newer one wins, a rerun writes nothing', async () => {
    await withWarehouseClient(warehouse.url, async (client) => {
      const columns = landing.columns
        .map((column) => column.name)
        .filter((name) => name !== 'line_id' && name !== 'description');
      // A copy of line 536365:1 under a line id of its own, landed at an explicit time after the test's first watermark.
      const { rows } = await client.query<{ merged_through: Date }>(
        "SELECT merged_through FROM retail.merge_watermark WHERE landing_table = 'retail.invoice_line_landing'",
      );
      const watermark = rows[0]!.merged_through;
      const landCopy = (description: string, minutesAfterWatermark: number) =>
        client.query(
          `INSERT INTO ${landing.table} (line_id, description, ${columns.join(', ')}, ${landing.loadTimeColumn})
           SELECT 'merge-order:1', $1, ${columns.join(', ')}, CAST($2 AS TIMESTAMP) + make_interval(mins => $3)
           FROM ${landing.table} WHERE line_id = '536365:1' LIMIT 1`,
          [description, watermark, minutesAfterWatermark],
        );
      const merged = async () =>
        (
          await client.query<{ description: string; merged_at: Date }>(
            "SELECT description, merged_at FROM retail.fact_invoice_line WHERE line_id = 'merge-order:1'",
          )
        ).rows[0];
      const mergedAtOfEveryOtherLine = async () =>
        (
          await client.query<{ latest: Date }>(
            "SELECT MAX(merged_at) AS latest FROM retail.fact_invoice_line WHERE line_id <> 'merge-order:1'",
          )
        ).rows[0]!.latest.getTime();
      const othersBefore = await mergedAtOfEveryOtherLine();

      await landCopy('first copy', 2);
      await mergeLanding(client);
      expect((await merged())?.description).toBe('first copy');
      // The window's other rows were merged before: this merge rewrote none of them.
      expect(await mergedAtOfEveryOtherLine()).toBe(othersBefore);

      // A COPY that began earlier and committed later: older than the merged copy, so it is not merged over it.
      await landCopy('older copy', 1);
      await mergeLanding(client);
      const afterOlder = await merged();
      expect(afterOlder?.description).toBe('first copy');

      await landCopy('newer copy', 3);
      await mergeLanding(client);
      expect((await merged())?.description).toBe('newer copy');

      const rerunBefore = (await merged())!.merged_at.getTime();
      await mergeLanding(client);
      expect((await merged())!.merged_at.getTime()).toBe(rerunBefore);

      // Two copies in one merge's loads: an older one that differs, then a later one with the values the fact table
      // holds. The later copy wins, and it changes nothing: the merge skips copies equal to their line before ranking
      // them, and must not let the older one through.
      await landCopy('interim copy', 4);
      await landCopy('newer copy', 5);
      await mergeLanding(client);
      expect(await merged()).toEqual({ description: 'newer copy', merged_at: new Date(rerunBefore) });
    });
  });

  it('reads only the loads it has not read whole: a merged load is not read again, a load that grew after a merge (two COPYs begun in the same second) is', async () => {
    await withWarehouseClient(warehouse.url, async (client) => {
      await mergeLanding(client);
      const columns = landing.columns.map((column) => column.name).filter((name) => name !== 'line_id');
      const { rows } = await client.query<{ loaded_at: Date }>(
        `SELECT MAX(${landing.loadTimeColumn}) AS loaded_at FROM ${landing.table}`,
      );
      const loadedAt = new Date(rows[0]!.loaded_at.getTime() + 60_000);
      // A COPY of two lines under line ids of their own, landed at one time (Redshift's GETDATE() has whole seconds).
      const landAs = (lineIds: string[]) =>
        client.query(
          `INSERT INTO ${landing.table} (line_id, ${columns.join(', ')}, ${landing.loadTimeColumn})
           SELECT copy_id, ${columns.filter((name) => name !== landing.loadTimeColumn).join(', ')}, CAST($2 AS TIMESTAMP)
           FROM ${landing.table} CROSS JOIN UNNEST(CAST($1 AS VARCHAR[])) copy_id
           WHERE line_id = '536365:1' AND ${landing.loadTimeColumn} < CAST($2 AS TIMESTAMP)
           ORDER BY ${landing.loadTimeColumn} LIMIT $3`,
          [lineIds, loadedAt.toISOString().replace('T', ' ').replace('Z', ''), lineIds.length],
        );
      const factHas = async (lineIds: string[]) =>
        (
          await client.query<{ line_id: string }>(
            'SELECT line_id FROM retail.fact_invoice_line WHERE line_id = ANY($1) ORDER BY line_id',
            [lineIds],
          )
        ).rows.map((row) => row.line_id);

      await landAs(['same-second:1']);
      await mergeLanding(client);
      expect(await factHas(['same-second:1'])).toEqual(['same-second:1']);
      // Read whole: taking its line out of the fact table by hand is not undone by the next merge.
      await client.query("DELETE FROM retail.fact_invoice_line WHERE line_id = 'same-second:1'");
      await mergeLanding(client);
      expect(await factHas(['same-second:1'])).toEqual([]);
      // A second COPY of the same second commits after that merge: its load grew, and is read again.
      await landAs(['same-second:2']);
      await mergeLanding(client);
      expect(await factHas(['same-second:1', 'same-second:2'])).toEqual(['same-second:1', 'same-second:2']);
      await client.query("DELETE FROM retail.fact_invoice_line WHERE line_id LIKE 'same-second:%'");
      await client.query(`DELETE FROM ${landing.table} WHERE line_id LIKE 'same-second:%'`);
    });
  });

  it('writes nothing for a reload of lines it holds; a changed line changes the precomputed tables in its merge', async () => {
    // The tests above took lines out of the fact table by hand, which no merge would: the migration fills the
    // precomputed tables whole again.
    await migrateLocalWarehouse(warehouse.url, warehouse.users);
    await withWarehouseClient(warehouse.url, async (client) => {
      await mergeLanding(client);
      await expect(precomputedTablesDifferingFromLines(client)).resolves.toEqual([]);
      const state = async () =>
        (
          await client.query<{ merged: Date; revenue: string }>(
            `SELECT (SELECT MAX(merged_at) FROM retail.fact_invoice_line) AS merged,
                    (SELECT SUM(revenue) FROM retail.invoice_summary) AS revenue`,
          )
        ).rows[0]!;
      const before = await state();
      // The batch job's --full: every line landed again, newer than its merged copy, with the same values.
      await land(
        client,
        landing,
        sample.map((row) => row.event),
      );
      await mergeLanding(client);
      await expect(state()).resolves.toEqual(before);

      const landCopy = (lineId: string, changes: Record<string, string>) =>
        client.query(
          `INSERT INTO ${landing.table} (${landing.columns.map((column) => column.name).join(', ')})
           SELECT ${landing.columns.map((column) => changes[column.name] ?? column.name).join(', ')}
           FROM ${landing.table} WHERE line_id = $1 ORDER BY loaded_at DESC LIMIT 1`,
          [lineId],
        );
      // A corrected copy of one line: merged, and its invoice's figures with it, in the same merge.
      await landCopy('536365:1', { line_total: 'line_total + 1' });
      await mergeLanding(client);
      const changed = await state();
      expect(changed.merged.getTime()).toBeGreaterThan(before.merged.getTime());
      expect(Number(changed.revenue) - Number(before.revenue)).toBeCloseTo(1, 3);
      await expect(precomputedTablesDifferingFromLines(client)).resolves.toEqual([]);
      // The line a stock code's description comes from loses its description and moves to another stock code and
      // another day: the stock code ranks its other lines again, the days both change.
      const described = (
        await client.query<{ line_id: string }>(
          `SELECT description_line_id AS line_id FROM retail.product_descriptions
           WHERE description IS NOT NULL ORDER BY stock_code LIMIT 1`,
        )
      ).rows[0]!.line_id;
      await landCopy(described, {
        description: 'NULL',
        stock_code: "stock_code || 'X'",
        invoice_date: "invoice_date + INTERVAL '1 day'",
      });
      await mergeLanding(client);
      await expect(precomputedTablesDifferingFromLines(client)).resolves.toEqual([]);
    });
  });

  it('fills the precomputed tables when the schema is applied to a warehouse that already has lines, and analyses them', async () => {
    await withWarehouseClient(warehouse.url, async (client) => {
      await client.query('DELETE FROM retail.product_descriptions');
      await client.query('SELECT pg_stat_reset_single_table_counters(CAST($1 AS regclass))', [
        'retail.product_descriptions',
      ]);
    });
    const analysedBefore = new Date();

    await migrateLocalWarehouse(warehouse.url, warehouse.users);

    await withWarehouseClient(warehouse.url, async (client) => {
      await expect(precomputedTablesDifferingFromLines(client)).resolves.toEqual([]);
      const { rows } = await client.query<{ last_analyze: Date | null }>(
        "SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = 'retail' AND relname = 'product_descriptions'",
      );
      expect(rows[0]?.last_analyze?.getTime()).toBeGreaterThanOrEqual(analysedBefore.getTime() - 1_000);
    });
  });
});
