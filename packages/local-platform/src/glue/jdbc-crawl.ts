import { Client } from 'pg';
import { epochSeconds, type CatalogTable, type DataCatalog } from './data-catalog';
import type { LocalCrawlerDefinition, LocalJdbcTarget } from './glue-resource-definitions';
import type { CatalogColumn } from './json-schema-inference';
import type { CrawlOutcome } from './s3-crawl';

/**
 * Crawls JDBC targets in the local warehouse through information_schema, as Glue's JDBC crawler reads a database's
 * metadata: one catalog table per table or view matching the path, named `<prefix><database>_<schema>_<table>`,
 * columns in ordinal order with the catalog's types. Tables gone from the warehouse are dropped with
 * DELETE_FROM_DATABASE and logged otherwise.
 */
export async function crawlJdbcTargets(
  crawler: LocalCrawlerDefinition,
  warehouseUrl: string | undefined,
  catalog: DataCatalog,
  outcome: CrawlOutcome,
): Promise<void> {
  if (crawler.jdbcTargets.length === 0) return;
  if (warehouseUrl === undefined) {
    throw new Error(
      `Crawler ${crawler.name} has JDBC targets but no local warehouse runs (stack.json has no warehouseUrl).`,
    );
  }
  const client = new Client({ connectionString: warehouseUrl });
  // A warehouse restart mid-crawl fails the crawl's next query, not the platform (an unheard 'error' would).
  client.on('error', () => undefined);
  await client.connect();
  try {
    for (const target of crawler.jdbcTargets) await crawlTarget(crawler, target, client, catalog, outcome);
  } finally {
    await client.end();
  }
}

interface ColumnRow {
  table_name: string;
  table_type: string;
  column_name: string;
  data_type: string;
  numeric_precision: number | null;
  numeric_scale: number | null;
}

async function crawlTarget(
  crawler: LocalCrawlerDefinition,
  target: LocalJdbcTarget,
  client: Client,
  catalog: DataCatalog,
  outcome: CrawlOutcome,
): Promise<void> {
  const { rows: [database] = [] } = await client.query<{ name: string }>('SELECT current_database() AS name');
  if (database?.name !== target.database) {
    outcome.problems.push(
      `JDBC target ${target.path}: the local warehouse's database is ${database?.name}, not ${target.database}: not crawled`,
    );
    return;
  }
  const { rows } = await client.query<ColumnRow>(
    `SELECT c.table_name, t.table_type, c.column_name, c.data_type, c.numeric_precision, c.numeric_scale
     FROM information_schema.columns c
     JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = $1 AND c.table_name LIKE $2
     ORDER BY c.table_name, c.ordinal_position`,
    [target.schema, target.tablePattern],
  );
  const byTable = new Map<string, { type: string; columns: CatalogColumn[] }>();
  for (const row of rows) {
    const table = byTable.get(row.table_name) ?? { type: row.table_type, columns: [] };
    table.columns.push({ Name: row.column_name.toLowerCase(), Type: catalogTypeOf(row) });
    byTable.set(row.table_name, table);
  }
  const nameOf = (table: string) =>
    `${crawler.tablePrefix}${target.database}_${target.schema}_${table}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const now = epochSeconds();
  const seen = new Set<string>();
  for (const [tableName, { type, columns }] of byTable) {
    const name = nameOf(tableName);
    seen.add(name);
    const existing = catalog.table(crawler.databaseName, name);
    const unchanged =
      existing !== undefined && JSON.stringify(existing.StorageDescriptor.Columns) === JSON.stringify(columns);
    if (unchanged) continue;
    if (existing !== undefined && crawler.updateBehavior === 'LOG') {
      outcome.logged.push(`table ${name}: its columns changed (SchemaChangePolicy.UpdateBehavior LOG: not applied)`);
      continue;
    }
    await catalog.applyCrawl({
      table: jdbcTable(
        crawler,
        target,
        name,
        `${target.database}.${target.schema}.${tableName}`,
        type,
        columns,
        existing,
        now,
        catalog,
      ),
      addPartitions: [],
      removePartitions: [],
    });
    if (existing === undefined) outcome.tablesCreated += 1;
    else outcome.tablesUpdated += 1;
  }
  const prefix = nameOf('');
  const gone = catalog
    .tables(crawler.databaseName)
    .filter((table) => table.Name.startsWith(prefix) && table.Parameters.connectionName === target.connectionName)
    .filter((table) => !seen.has(table.Name));
  for (const table of gone) {
    if (crawler.deleteBehavior === 'DELETE_FROM_DATABASE') {
      await catalog.deleteTable(crawler.databaseName, table.Name);
      outcome.tablesDeleted += 1;
    } else {
      outcome.logged.push(`table ${table.Name}: gone from the warehouse (SchemaChangePolicy.DeleteBehavior LOG: kept)`);
    }
  }
}

/** PostgreSQL's information_schema type -> the Data Catalog's (Hive) type, as Glue's JDBC crawler maps Redshift's. */
function catalogTypeOf(row: ColumnRow): string {
  switch (row.data_type) {
    case 'smallint':
      return 'smallint';
    case 'integer':
      return 'int';
    case 'bigint':
      return 'bigint';
    case 'numeric':
      return row.numeric_precision === null
        ? 'decimal(38,18)'
        : `decimal(${row.numeric_precision},${row.numeric_scale ?? 0})`;
    case 'real':
      return 'float';
    case 'double precision':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp without time zone':
    case 'timestamp with time zone':
      return 'timestamp';
    default:
      return 'string';
  }
}

function jdbcTable(
  crawler: LocalCrawlerDefinition,
  target: LocalJdbcTarget,
  name: string,
  location: string,
  tableType: string,
  columns: CatalogColumn[],
  existing: CatalogTable | undefined,
  now: number,
  catalog: DataCatalog,
): CatalogTable {
  const parameters = {
    classification: 'redshift',
    connectionName: target.connectionName,
    typeOfData: tableType === 'VIEW' ? 'view' : 'table',
    UPDATED_BY_CRAWLER: crawler.name,
    CrawlerSchemaSerializerVersion: '1.0',
    CrawlerSchemaDeserializerVersion: '1.0',
  };
  return {
    Name: name,
    DatabaseName: crawler.databaseName,
    Owner: 'owner',
    CreateTime: existing?.CreateTime ?? now,
    UpdateTime: now,
    LastAccessTime: now,
    Retention: 0,
    StorageDescriptor: {
      Columns: columns,
      Location: location,
      InputFormat: '',
      OutputFormat: '',
      Compressed: false,
      NumberOfBuckets: -1,
      SerdeInfo: { SerializationLibrary: '', Parameters: {} },
      BucketColumns: [],
      SortColumns: [],
      Parameters: parameters,
      StoredAsSubDirectories: false,
    },
    PartitionKeys: [],
    TableType: 'EXTERNAL_TABLE',
    Parameters: parameters,
    CreatedBy: crawler.role,
    IsRegisteredWithLakeFormation: false,
    CatalogId: catalog.catalogId,
    VersionId: existing === undefined ? '0' : String(Number(existing.VersionId) + 1),
  };
}
