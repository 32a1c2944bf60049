import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
  type ColumnMetadata,
  type Field,
} from '@aws-sdk/client-redshift-data';
import { withPasswordsMasked } from './sql-text';
import {
  WarehouseQueryError,
  type WarehouseColumn,
  type WarehouseParameters,
  type WarehouseQueries,
  type WarehouseQueryResult,
  type WarehouseValue,
} from './warehouse-queries';

/** Where queries run: a Redshift Serverless workgroup (or a provisioned cluster) and its database. */
export type RedshiftDataTarget = { database: string; secretArn?: string } & (
  { workgroupName: string; clusterIdentifier?: undefined } | { clusterIdentifier: string; workgroupName?: undefined }
);

export interface RedshiftDataWarehouseOptions {
  /** A query still running after this is cancelled and reported (default 60 s; the dashboard's API has 29 s). */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/**
 * WaitTimeSeconds on ExecuteStatement and DescribeStatement: AWS's page on long polling for the Data API says to set it
 * "to a value between 1 and 30"; whole seconds, so the last wait may end up to a second after the deadline.
 */
export const WAIT_TIME_SECONDS = { min: 1, max: 30 } as const;
const RUNNING = new Set(['SUBMITTED', 'PICKED', 'STARTED']);

/**
 * Warehouse queries through the Redshift Data API: ExecuteStatement, DescribeStatement, GetStatementResult pages.
 * Both calls wait for the statement on the service's side (WaitTimeSeconds, up to 30 s), so a query answers as soon
 * as it finishes: polling on a timer added up to a poll interval to every query (60-100 ms on the dashboard's).
 */
export class RedshiftDataWarehouse implements WarehouseQueries {
  constructor(
    private readonly client: RedshiftDataClient,
    private readonly target: RedshiftDataTarget,
    private readonly options: RedshiftDataWarehouseOptions = {},
  ) {}

  async query(sql: string, parameters: WarehouseParameters = {}): Promise<WarehouseQueryResult> {
    const deadline = Date.now() + this.timeoutMs;
    const executed = await this.client.send(
      new ExecuteStatementCommand({
        Sql: sql,
        Database: this.target.database,
        WorkgroupName: this.target.workgroupName,
        ClusterIdentifier: this.target.clusterIdentifier,
        SecretArn: this.target.secretArn,
        Parameters: toSqlParameters(parameters),
        WaitTimeSeconds: waitTimeSeconds(deadline),
      }),
    );
    const id = executed.Id;
    if (id === undefined) throw new WarehouseQueryError('ExecuteStatement returned no statement Id.');
    const hasResultSet =
      executed.Status === 'FINISHED'
        ? (executed.HasResultSet ?? false)
        : await this.waitUntilFinished(id, sql, deadline);
    if (!hasResultSet) return { columns: [], rows: [] };
    return this.readResult(id);
  }

  /**
   * Runs `sqls` with BatchExecuteStatement: one transaction, all or nothing (a migration step). Resolves when it has
   * committed; a failed statement rejects with the Data API's error and the statement's text, passwords masked.
   */
  async executeBatch(sqls: readonly string[]): Promise<void> {
    if (sqls.length === 0) return;
    const deadline = Date.now() + this.timeoutMs;
    const { Id } = await this.client.send(
      new BatchExecuteStatementCommand({
        Sqls: [...sqls],
        Database: this.target.database,
        WorkgroupName: this.target.workgroupName,
        ClusterIdentifier: this.target.clusterIdentifier,
        SecretArn: this.target.secretArn,
      }),
    );
    if (Id === undefined) throw new WarehouseQueryError('BatchExecuteStatement returned no statement Id.');
    await this.waitUntilFinished(Id, sqls.join(';\n'), deadline);
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  private async waitUntilFinished(id: string, sql: string, deadline: number): Promise<boolean> {
    for (;;) {
      const waitSeconds = waitTimeSeconds(deadline);
      const described = await this.client.send(new DescribeStatementCommand({ Id: id, WaitTimeSeconds: waitSeconds }));
      if (described.Status === 'FINISHED') return described.HasResultSet ?? false;
      if (!RUNNING.has(described.Status ?? '')) {
        // A batch's DescribeStatement names the statement that failed among its SubStatements.
        const failed = described.SubStatements?.find((sub) => sub.Status === 'FAILED' || sub.Status === 'ABORTED');
        throw new WarehouseQueryError(
          `The warehouse query ${id} ${described.Status?.toLowerCase()}: ${described.Error ?? 'no error given'} (SQL: ${abbreviate(failed?.QueryString ?? sql)})`,
        );
      }
      if (Date.now() >= deadline) {
        await this.client.send(new CancelStatementCommand({ Id: id })).catch(() => undefined);
        throw new WarehouseQueryError(
          `The warehouse query ${id} ran longer than ${this.timeoutMs / 1000} s and was cancelled (SQL: ${abbreviate(sql)})`,
        );
      }
    }
  }

  private async readResult(id: string): Promise<WarehouseQueryResult> {
    let columns: WarehouseColumn[] = [];
    const rows: Record<string, WarehouseValue>[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(new GetStatementResultCommand({ Id: id, NextToken: nextToken }));
      if (columns.length === 0) columns = (page.ColumnMetadata ?? []).map(toColumn);
      for (const record of page.Records ?? [])
        rows.push(
          Object.fromEntries(
            record.map((field, index) => [columns[index]?.name ?? `column${index + 1}`, toValue(field)]),
          ),
        );
      nextToken = page.NextToken;
    } while (nextToken);
    return { columns, rows };
  }
}

function toSqlParameters(parameters: WarehouseParameters) {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return undefined;
  return entries.map(([name, value]) => {
    const text = String(value);
    // The Data API refuses an empty value: a query that needs '' writes it in the SQL.
    if (text === '') throw new WarehouseQueryError(`Parameter :${name} is empty; the Data API accepts no empty value.`);
    return { name, value: text };
  });
}

function toColumn(metadata: ColumnMetadata): WarehouseColumn {
  return { name: metadata.name ?? metadata.label ?? '', typeName: metadata.typeName ?? '' };
}

function toValue(field: Field): WarehouseValue {
  if (field.isNull) return null;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString('base64');
  return null;
}

const abbreviate = (sql: string) => {
  const oneLine = withPasswordsMasked(sql).replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
};

/** Whole seconds the service may hold a call for the statement: what is left before the deadline, within 1..30. */
export const waitTimeSeconds = (deadline: number, now: number = Date.now()): number =>
  Math.min(WAIT_TIME_SECONDS.max, Math.max(WAIT_TIME_SECONDS.min, Math.floor((deadline - now) / 1000)));
