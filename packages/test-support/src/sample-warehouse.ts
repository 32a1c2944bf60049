import { createRedshiftDataClient, RedshiftDataWarehouse, type WarehouseQueries } from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import { startLocalRedshiftData } from '@retail/local-platform/redshift-data';
import {
  mergeLanding,
  readLandingColumns,
  startLocalWarehouse,
  WAREHOUSE_DATABASE,
  withWarehouseClient,
} from '@retail/local-platform/warehouse';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TEST_CREDENTIALS, TEST_REGION } from './test-stage';

const ROWS_PER_INSERT = 500;

export interface SampleWarehouse {
  /** The embedded PostgreSQL's postgres:// URL (what stack.json calls warehouseUrl). */
  url: string;
  /** The local Data API's endpoint (AWS_ENDPOINT_URL_REDSHIFT_DATA of a function). */
  dataApiEndpoint: string;
  /** The warehouse query port on the local Data API. */
  queries: WarehouseQueries;
  /**
   * Appends `lines` to the landing table as a COPY lands them, then runs the merge as the schedule does: the fact table
   * and the dashboard's precomputed tables hold them once it returns.
   */
  land(lines: readonly InvoiceLineEvent[]): Promise<void>;
  stop(): Promise<void>;
}

/** The embedded PostgreSQL with the schema, `lines` landed and merged; the local Data API over it. */
export async function startSampleWarehouse(lines: readonly InvoiceLineEvent[]): Promise<SampleWarehouse> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-sample-warehouse-'));
  const warehouse = await startLocalWarehouse({
    dataDir: path.join(stateDir, 'warehouse'),
    port: 0,
    log: () => undefined,
  });
  const api = await startLocalRedshiftData({ warehouseUrl: warehouse.url, port: 0 });
  const landing = await readLandingColumns();
  const fields = landing.columns.map(({ jsonpath }) => jsonpath.replace(/^\$\./, '') as keyof InvoiceLineEvent);
  const land = (batchOfLines: readonly InvoiceLineEvent[]) =>
    withWarehouseClient(warehouse.url, async (client) => {
      for (let start = 0; start < batchOfLines.length; start += ROWS_PER_INSERT) {
        const batch = batchOfLines.slice(start, start + ROWS_PER_INSERT);
        const values = batch.map(
          (_line, row) => `(${fields.map((_field, column) => `$${row * fields.length + column + 1}`).join(', ')})`,
        );
        await client.query(
          `INSERT INTO ${landing.table} (${landing.columns.map((column) => column.name).join(', ')}) VALUES ${values.join(', ')}`,
          batch.flatMap((line) => fields.map((field) => line[field])),
        );
      }
      await mergeLanding(client);
    });
  await land(lines);
  const client = createRedshiftDataClient({
    region: TEST_REGION,
    endpoints: { redshiftData: api.endpoint },
    credentials: TEST_CREDENTIALS,
  });
  return {
    url: warehouse.url,
    dataApiEndpoint: api.endpoint,
    queries: new RedshiftDataWarehouse(client, { workgroupName: 'retail-test', database: WAREHOUSE_DATABASE }),
    land,
    async stop() {
      client.destroy();
      await api.stop();
      await warehouse.stop();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
