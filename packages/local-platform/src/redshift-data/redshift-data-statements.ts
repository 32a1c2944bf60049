import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool, type FieldDef, type PoolClient, type QueryArrayResult } from 'pg';
import { AwsJsonError } from '../aws-json-protocol';
import { withCheckedOutClient } from '../warehouse/checked-out-client';
import type { CopyFromS3 } from './copy-from-s3';
import { isCopyStatement } from './copy-statement';
import { bindNamedParameters, type SqlParameter } from './named-parameters';
import {
  toColumnMetadata,
  toDataApiRecords,
  type DataApiColumnMetadata,
  type DataApiField,
  type TableColumnFacts,
} from './result-fields';

export type StatementStatus = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'ABORTED' | 'FAILED';

/** Where a statement runs, as the caller named it (either a serverless workgroup or a provisioned cluster). */
export interface StatementTarget {
  database: string;
  workgroupName?: string;
  clusterIdentifier?: string;
  dbUser?: string;
  secretArn?: string;
}

interface StatementResult {
  records: DataApiField[][];
  columns: DataApiColumnMetadata[];
}

/** One SQL statement: alone (ExecuteStatement) or the nth of a batch (`<batch id>:<n>`). */
export interface SubStatement {
  id: string;
  queryString: string;
  status: StatementStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Nanoseconds, as the Data API reports Duration. */
  durationNs: number;
  error?: string;
  hasResultSet: boolean;
  resultRows: number;
  resultSize: number;
  redshiftQueryId: number;
  result?: StatementResult;
}

export interface Statement {
  id: string;
  target: StatementTarget;
  statementName?: string;
  isBatch: boolean;
  queryParameters?: SqlParameter[];
  status: StatementStatus;
  createdAt: Date;
  updatedAt: Date;
  error?: string;
  redshiftPid?: number;
  subStatements: SubStatement[];
  done: Promise<void>;
}

export interface RedshiftDataStatementsOptions {
  /** The local warehouse's postgres:// URL; a statement's Database replaces its database name. */
  warehouseUrl: string;
  /** The Data API keeps results 24 hours; here the latest this many statements are kept. */
  keptStatements?: number;
  /** Parallel statements per database (Redshift Serverless queues beyond its own limit). */
  connectionsPerDatabase?: number;
  /**
   * The secrets a statement's SecretArn may name, by ARN: it runs as that database user, as on AWS. Without a
   * SecretArn a statement runs as the URL's (admin) user. Absent: every SecretArn runs as the admin.
   */
  secretLogins?: ReadonlyMap<string, { username: string; password: string }>;
  /** Runs COPY statements, from the local S3 (copy-from-s3.ts); absent: a COPY is refused. */
  copyFromS3?: CopyFromS3;
}

const KEPT_STATEMENTS = 1_000;
const CONNECTIONS_PER_DATABASE = 8;
// Every type parser returns PostgreSQL's text: the Data API's fields and strings are made from it.
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

/** Runs Data API statements on the local warehouse: asynchronously, each batch in one transaction. */
export class RedshiftDataStatements {
  private readonly statements = new Map<string, Statement>();
  private readonly pools = new Map<string, Pool>();
  private nextQueryId = 1;
  private closing = false;

  constructor(private readonly options: RedshiftDataStatementsOptions) {}

  submit(
    target: StatementTarget,
    sqls: readonly string[],
    options: { isBatch: boolean; parameters?: SqlParameter[]; statementName?: string },
  ): Statement {
    if (this.closing)
      throw new AwsJsonError('InternalServerException', 'The local Redshift Data API is shutting down.', 500);
    if (target.secretArn !== undefined && this.options.secretLogins?.has(target.secretArn) === false)
      throw new AwsJsonError(
        'ValidationException',
        `SecretArn ${target.secretArn} is no secret of the local platform's (it knows ${[...this.options.secretLogins.keys()].join(', ')}).`,
      );
    const bound = sqls.map((sql) => bindNamedParameters(sql, options.parameters ?? []));
    const missing = [...new Set(bound.flatMap((statement) => statement.missing))];
    if (missing.length > 0)
      throw new AwsJsonError(
        'ValidationException',
        `The SQL uses ${missing.map((name) => `:${name}`).join(', ')} but Parameters gives no value for it.`,
      );
    const id = randomUUID();
    const now = new Date();
    const statement: Statement = {
      id,
      target,
      statementName: options.statementName,
      isBatch: options.isBatch,
      queryParameters: options.parameters,
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      subStatements: sqls.map((sql, index) => ({
        id: options.isBatch ? `${id}:${index + 1}` : id,
        queryString: sql,
        status: 'SUBMITTED',
        createdAt: now,
        updatedAt: now,
        durationNs: 0,
        hasResultSet: false,
        resultRows: -1,
        resultSize: -1,
        redshiftQueryId: 0,
      })),
      done: Promise.resolve(),
    };
    statement.done = this.run(
      statement,
      bound.map(({ text, values }) => ({ text, values })),
    );
    this.statements.set(id, statement);
    this.forgetOldest();
    return statement;
  }

  /** The statement of `id`, or of `<id>:<n>` its batch. */
  find(id: string): { statement: Statement; subStatement?: SubStatement } {
    const [statementId, number] = id.split(':');
    const statement = this.statements.get(statementId ?? '');
    if (statement === undefined) throw new AwsJsonError('ResourceNotFoundException', `Query ${id} does not exist.`);
    if (number === undefined) return { statement };
    const subStatement = statement.isBatch ? statement.subStatements[Number(number) - 1] : undefined;
    if (subStatement === undefined) throw new AwsJsonError('ResourceNotFoundException', `Query ${id} does not exist.`);
    return { statement, subStatement };
  }

  /** Newest first, as ListStatements returns them. */
  list(): Statement[] {
    return [...this.statements.values()].reverse();
  }

  /** Resolves once the statement has ended or `seconds` have passed (WaitTimeSeconds). */
  async waitFor(statement: Statement, seconds: number): Promise<void> {
    if (seconds <= 0) return;
    const timer = new AbortController();
    await Promise.race([
      statement.done,
      sleep(seconds * 1000, undefined, { signal: timer.signal }).catch(() => undefined),
    ]);
    timer.abort();
  }

  async cancel(statement: Statement): Promise<boolean> {
    if (!['SUBMITTED', 'PICKED', 'STARTED'].includes(statement.status)) return false;
    const pid = statement.redshiftPid;
    statement.status = 'ABORTED';
    if (pid !== undefined)
      await this.poolFor({ database: statement.target.database }).query('SELECT pg_cancel_backend($1)', [String(pid)]);
    return true;
  }

  /** Waits for running statements, then closes the connections. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.statements.values()].map((statement) => statement.done));
    await Promise.all([...this.pools.values()].map((pool) => pool.end()));
  }

  private async run(statement: Statement, queries: readonly { text: string; values: string[] }[]): Promise<void> {
    let connected = false;
    try {
      await withCheckedOutClient(this.poolFor(statement.target), async (client) => {
        connected = true;
        await this.runOn(client, statement, queries);
      });
    } catch (error) {
      this.fail(statement, statement.subStatements[connected ? statement.subStatements.length - 1 : 0]!, error);
    }
  }

  private async runOn(
    client: PoolClient,
    statement: Statement,
    queries: readonly { text: string; values: string[] }[],
  ): Promise<void> {
    statement.redshiftPid = (client as PoolClient & { processID?: number }).processID;
    if (statement.status === 'ABORTED') return;
    this.mark(statement, 'STARTED');
    if (statement.isBatch) await client.query('BEGIN');
    for (const [index, query] of queries.entries()) {
      const subStatement = statement.subStatements[index]!;
      subStatement.status = 'STARTED';
      subStatement.redshiftQueryId = this.nextQueryId++;
      const began = process.hrtime.bigint();
      try {
        const result = isCopyStatement(query.text)
          ? await this.copy(client, statement, subStatement.queryString)
          : await client.query<(string | null)[]>({ ...query, rowMode: 'array', types: TEXT_TYPES });
        subStatement.durationNs = Number(process.hrtime.bigint() - began);
        await this.record(client, subStatement, result);
      } catch (error) {
        subStatement.durationNs = Number(process.hrtime.bigint() - began);
        if (statement.isBatch) await client.query('ROLLBACK').catch(() => undefined);
        this.fail(statement, subStatement, error);
        return;
      }
    }
    if (statement.isBatch) await client.query('COMMIT');
    this.mark(statement, 'FINISHED');
  }

  /** A COPY statement, run as Redshift runs it by the local COPY; its rejected rows are logged as the admin. */
  private async copy(client: PoolClient, statement: Statement, sql: string): Promise<QueryArrayResult<never>> {
    if (this.options.copyFromS3 === undefined)
      throw new Error('COPY needs the local S3: this Data API was started without it (copyFromS3).');
    const errorLog = this.poolFor({ database: statement.target.database });
    const { rowsLoaded } = await this.options.copyFromS3.execute(client, sql, errorLog);
    return { command: 'COPY', rowCount: rowsLoaded, oid: 0, fields: [], rows: [] };
  }

  private async record(
    client: PoolClient,
    subStatement: SubStatement,
    result: QueryArrayResult<(string | null)[]>,
  ): Promise<void> {
    const hasResultSet = result.command === 'SELECT' || result.fields.length > 0;
    subStatement.hasResultSet = hasResultSet;
    subStatement.resultRows = hasResultSet ? result.rows.length : (result.rowCount ?? -1);
    if (hasResultSet) {
      const records = toDataApiRecords(result);
      subStatement.result = {
        records,
        columns: toColumnMetadata(result.fields, await tableColumnFacts(client, result.fields)),
      };
      subStatement.resultSize = Buffer.byteLength(JSON.stringify(records));
    } else {
      subStatement.resultSize = 0;
    }
    subStatement.status = 'FINISHED';
    subStatement.updatedAt = new Date();
  }

  private fail(statement: Statement, subStatement: SubStatement, error: unknown): void {
    // Redshift prefixes the server's message with its severity.
    const message = `ERROR: ${(error as Error).message}`;
    const aborted = statement.status === 'ABORTED';
    subStatement.status = aborted ? 'ABORTED' : 'FAILED';
    subStatement.error = message;
    subStatement.updatedAt = new Date();
    statement.error = message;
    this.mark(statement, aborted ? 'ABORTED' : 'FAILED');
  }

  private mark(statement: Statement, status: StatementStatus): void {
    if (statement.status === 'ABORTED' && status !== 'ABORTED') return;
    statement.status = status;
    statement.updatedAt = new Date();
  }

  /** One pool per database and user: a statement with a SecretArn signs in as the secret's user. */
  private poolFor({ database, secretArn }: Pick<StatementTarget, 'database' | 'secretArn'>): Pool {
    const login = secretArn === undefined ? undefined : this.options.secretLogins?.get(secretArn);
    const key = `${database}\u0000${login?.username ?? ''}`;
    let pool = this.pools.get(key);
    if (pool === undefined) {
      const url = new URL(this.options.warehouseUrl);
      url.pathname = `/${encodeURIComponent(database)}`;
      if (login !== undefined) {
        url.username = encodeURIComponent(login.username);
        url.password = encodeURIComponent(login.password);
      }
      pool = new Pool({
        connectionString: url.toString(),
        max: this.options.connectionsPerDatabase ?? CONNECTIONS_PER_DATABASE,
      });
      // An idle connection the server drops (a warehouse restart) must not crash the platform.
      pool.on('error', () => undefined);
      this.pools.set(key, pool);
    }
    return pool;
  }

  private forgetOldest(): void {
    const kept = this.options.keptStatements ?? KEPT_STATEMENTS;
    for (const [id, statement] of this.statements) {
      if (this.statements.size <= kept) break;
      if (['FINISHED', 'FAILED', 'ABORTED'].includes(statement.status)) this.statements.delete(id);
    }
  }
}

async function tableColumnFacts(
  client: PoolClient,
  fields: readonly FieldDef[],
): Promise<Map<string, TableColumnFacts>> {
  const tableIds = [...new Set(fields.map((field) => field.tableID).filter((id) => id !== 0))];
  if (tableIds.length === 0) return new Map();
  const { rows } = await client.query<{ key: string; schema_name: string; table_name: string; not_null: boolean }>(
    `SELECT attribute.attrelid || ':' || attribute.attnum AS key, namespace.nspname AS schema_name,
            class.relname AS table_name, attribute.attnotnull AS not_null
     FROM pg_attribute attribute
     JOIN pg_class class ON class.oid = attribute.attrelid
     JOIN pg_namespace namespace ON namespace.oid = class.relnamespace
     WHERE attribute.attrelid = ANY($1::oid[]) AND attribute.attnum > 0`,
    [tableIds],
  );
  return new Map(
    rows.map((row) => [row.key, { schemaName: row.schema_name, tableName: row.table_name, notNull: row.not_null }]),
  );
}

export type { StatementResult };
