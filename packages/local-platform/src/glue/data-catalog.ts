import path from 'node:path';
import { readJsonFileIfExists, writeJsonFileAtomically } from '../atomic-json-file';
import type { CatalogColumn } from './json-schema-inference';

/** The Data Catalog's objects in the shapes the Glue API returns (timestamps as epoch seconds, JSON 1.1's form). */
export interface CatalogDatabase {
  Name: string;
  Description?: string;
  LocationUri?: string;
  Parameters: Record<string, string>;
  CreateTime: number;
  CatalogId: string;
}

export interface StorageDescriptor {
  Columns: CatalogColumn[];
  Location: string;
  InputFormat: string;
  OutputFormat: string;
  Compressed: boolean;
  NumberOfBuckets: number;
  SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
  BucketColumns: string[];
  SortColumns: { Column: string; SortOrder: number }[];
  Parameters: Record<string, string>;
  StoredAsSubDirectories: boolean;
}

export interface CatalogTable {
  Name: string;
  DatabaseName: string;
  Owner: string;
  CreateTime: number;
  UpdateTime: number;
  LastAccessTime: number;
  Retention: number;
  StorageDescriptor: StorageDescriptor;
  PartitionKeys: CatalogColumn[];
  TableType: 'EXTERNAL_TABLE';
  Parameters: Record<string, string>;
  CreatedBy: string;
  IsRegisteredWithLakeFormation: boolean;
  CatalogId: string;
  VersionId: string;
}

export interface CatalogPartition {
  Values: string[];
  DatabaseName: string;
  TableName: string;
  CreationTime: number;
  LastAccessTime: number;
  StorageDescriptor: StorageDescriptor;
  Parameters: Record<string, string>;
  CatalogId: string;
}

interface CatalogState {
  databases: Record<string, CatalogDatabase>;
  /** database -> table -> table. */
  tables: Record<string, Record<string, CatalogTable>>;
  /** `database/table` -> partition values joined by `/` -> partition, in the order they were added. */
  partitions: Record<string, Record<string, CatalogPartition>>;
}

export const epochSeconds = (date: Date = new Date()) => Math.floor(date.getTime()) / 1000;
const tableKey = (database: string, table: string) => `${database}/${table}`;
export const partitionKey = (values: readonly string[]) => values.join('/');

/**
 * The local Data Catalog: databases, tables and partitions, persisted to `<glue state dir>/catalog.json` after every
 * change (written whole, atomically: a crawl's partitions land together or not at all).
 */
export class DataCatalog {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly state: CatalogState,
    readonly catalogId: string,
  ) {}

  static async open(stateDir: string, catalogId: string): Promise<DataCatalog> {
    const file = path.join(stateDir, 'catalog.json');
    const state = (await readJsonFileIfExists<CatalogState>(file)) ?? { databases: {}, tables: {}, partitions: {} };
    return new DataCatalog(file, state, catalogId);
  }

  databases(): CatalogDatabase[] {
    return Object.values(this.state.databases).sort((a, b) => a.Name.localeCompare(b.Name));
  }

  database(name: string): CatalogDatabase | undefined {
    return this.state.databases[name.toLowerCase()];
  }

  /** Creates the database, or updates its description, location and parameters to the template's. */
  async putDatabase(database: Omit<CatalogDatabase, 'CreateTime' | 'CatalogId'>): Promise<void> {
    const existing = this.state.databases[database.Name];
    this.state.databases[database.Name] = {
      ...database,
      CreateTime: existing?.CreateTime ?? epochSeconds(),
      CatalogId: this.catalogId,
    };
    this.state.tables[database.Name] ??= {};
    await this.save();
  }

  tables(database: string): CatalogTable[] {
    return Object.values(this.state.tables[database.toLowerCase()] ?? {}).sort((a, b) => a.Name.localeCompare(b.Name));
  }

  table(database: string, name: string): CatalogTable | undefined {
    return this.state.tables[database.toLowerCase()]?.[name.toLowerCase()];
  }

  partitions(database: string, table: string): CatalogPartition[] {
    return Object.values(this.state.partitions[tableKey(database.toLowerCase(), table.toLowerCase())] ?? {});
  }

  /** One crawl's outcome, saved at once: the table (created or replaced) and its partitions added and removed. */
  async applyCrawl(change: {
    table: CatalogTable;
    addPartitions: CatalogPartition[];
    removePartitions: string[][];
  }): Promise<void> {
    const { table } = change;
    const tables = (this.state.tables[table.DatabaseName] ??= {});
    tables[table.Name] = table;
    const partitions = (this.state.partitions[tableKey(table.DatabaseName, table.Name)] ??= {});
    for (const values of change.removePartitions) delete partitions[partitionKey(values)];
    for (const partition of change.addPartitions) partitions[partitionKey(partition.Values)] = partition;
    await this.save();
  }

  async deleteTable(database: string, name: string): Promise<void> {
    delete this.state.tables[database]?.[name];
    delete this.state.partitions[tableKey(database, name)];
    await this.save();
  }

  private save(): Promise<void> {
    // One write at a time: each writes the whole state as it is when its turn comes.
    this.saving = this.saving.then(() => writeJsonFileAtomically(this.file, this.state));
    return this.saving;
  }
}
