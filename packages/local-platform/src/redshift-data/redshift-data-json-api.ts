import { AwsJsonError, awsJsonRequestListener, type JsonOperation } from '../aws-json-protocol';
import type { SqlParameter } from './named-parameters';
import type { RedshiftDataStatements, Statement, StatementTarget, SubStatement } from './redshift-data-statements';

/**
 * The Redshift Data API (target prefix `RedshiftData.`) over the local warehouse: ExecuteStatement,
 * BatchExecuteStatement, DescribeStatement, GetStatementResult, ListStatements and CancelStatement, with AWS's
 * limits: SQL up to 100,000 bytes, WaitTimeSeconds up to 30, results paged at 100 MB, ListStatements pages of
 * at most 100. Sessions (SessionKeepAliveSeconds, SessionId) and the CSV result format are refused.
 */
export const SQL_MAX_BYTES = 100_000;
export const RESULT_PAGE_MAX_BYTES = 100 * 1024 * 1024;
const WAIT_TIME_MAX_SECONDS = 30;
const LIST_MAX_RESULTS = 100;
const BATCH_MAX_STATEMENTS = 40;
const PARAMETER_NAME = /^[0-9a-zA-Z_]+$/;

export interface RedshiftDataApiOptions {
  /** Results are paged at this many bytes of records (AWS: 100 MB); tests page smaller. */
  resultPageBytes?: number;
}

export function redshiftDataRequestListener(statements: RedshiftDataStatements, options: RedshiftDataApiOptions = {}) {
  const pageBytes = options.resultPageBytes ?? RESULT_PAGE_MAX_BYTES;

  const operations: Record<string, JsonOperation> = {
    async ExecuteStatement(request) {
      const sql = requiredSql(request.Sql, 'Sql');
      const statement = statements.submit(targetOf(request), [sql], {
        isBatch: false,
        parameters: parametersOf(request.Parameters),
        statementName: optionalString(request.StatementName, 'StatementName'),
      });
      await statements.waitFor(statement, waitTimeOf(request));
      return submitted(statement);
    },
    async BatchExecuteStatement(request) {
      const sqls = request.Sqls;
      if (!Array.isArray(sqls) || sqls.length === 0 || sqls.length > BATCH_MAX_STATEMENTS)
        throw validation(`Sqls must hold 1 to ${BATCH_MAX_STATEMENTS} SQL statements.`);
      if (request.ExecutionMode !== undefined && request.ExecutionMode !== 'TRANSACTION')
        throw validation('ExecutionMode AUTO_COMMIT is not emulated: the local batch runs as one transaction.');
      const statement = statements.submit(
        targetOf(request),
        sqls.map((sql, index) => requiredSql(sql, `Sqls[${index}]`)),
        {
          isBatch: true,
          parameters: parametersOf(request.Parameters),
          statementName: optionalString(request.StatementName, 'StatementName'),
        },
      );
      await statements.waitFor(statement, waitTimeOf(request));
      return submitted(statement);
    },
    async DescribeStatement(request) {
      const { statement } = statements.find(requiredString(request.Id, 'Id'));
      await statements.waitFor(statement, waitTimeOf(request));
      return describe(statement);
    },
    async GetStatementResult(request) {
      const id = requiredString(request.Id, 'Id');
      const found = statements.find(id);
      await statements.waitFor(found.statement, waitTimeOf(request));
      const subStatement =
        found.subStatement ?? (found.statement.isBatch ? undefined : found.statement.subStatements[0]);
      if (subStatement === undefined)
        throw validation(
          `${id} is a batch: ask for the result of one of its statements, <id>:1 to <id>:${found.statement.subStatements.length}.`,
        );
      if (subStatement.status !== 'FINISHED' || subStatement.result === undefined)
        throw new AwsJsonError(
          'ResourceNotFoundException',
          `Query ${id} does not have result (status ${subStatement.status}${subStatement.hasResultSet || subStatement.status !== 'FINISHED' ? '' : ', no result set'}). Please check query status with DescribeStatement.`,
        );
      return resultPage(subStatement, id, optionalString(request.NextToken, 'NextToken'), pageBytes);
    },
    async ListStatements(request) {
      const maxResults = request.MaxResults ?? LIST_MAX_RESULTS;
      if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 0 || maxResults > 100)
        throw validation('MaxResults must be from 0 to 100.');
      const status = optionalString(request.Status, 'Status') ?? 'ALL';
      const name = optionalString(request.StatementName, 'StatementName');
      const database = optionalString(request.Database, 'Database');
      const workgroup = optionalString(request.WorkgroupName, 'WorkgroupName');
      const cluster = optionalString(request.ClusterIdentifier, 'ClusterIdentifier');
      const matching = statements
        .list()
        .filter(
          (statement) =>
            (status === 'ALL' || statement.status === status) &&
            (name === undefined || (statement.statementName ?? '').startsWith(name)) &&
            (database === undefined || statement.target.database === database) &&
            (workgroup === undefined || statement.target.workgroupName === workgroup) &&
            (cluster === undefined || statement.target.clusterIdentifier === cluster),
        );
      const start = decodeToken(optionalString(request.NextToken, 'NextToken'));
      const page = matching.slice(start, start + (maxResults || LIST_MAX_RESULTS));
      const next = start + page.length;
      return {
        Statements: page.map((statement) => ({
          Id: statement.id,
          Status: statement.status,
          StatementName: statement.statementName,
          CreatedAt: statement.createdAt,
          UpdatedAt: statement.updatedAt,
          IsBatchStatement: statement.isBatch,
          ...(statement.isBatch
            ? { QueryStrings: statement.subStatements.map((sub) => sub.queryString) }
            : { QueryString: statement.subStatements[0]!.queryString }),
          QueryParameters: statement.queryParameters,
          SecretArn: statement.target.secretArn,
          ResultFormat: 'JSON',
        })),
        ...(next < matching.length && { NextToken: encodeToken(next) }),
      };
    },
    async CancelStatement(request) {
      const { statement } = statements.find(requiredString(request.Id, 'Id'));
      return { Status: await statements.cancel(statement) };
    },
  };

  return awsJsonRequestListener({
    emulator: 'the local Redshift Data API',
    targetPrefix: 'RedshiftData.',
    operations,
    // 40 statements of 100,000 bytes plus JSON framing.
    maxBodyBytes: 8 * 1024 * 1024,
    internalErrorType: 'InternalServerException',
    bodyTooLargeErrorType: 'ValidationException',
  });
}

function submitted(statement: Statement) {
  const { target } = statement;
  const last = statement.subStatements[statement.subStatements.length - 1]!;
  return {
    Id: statement.id,
    CreatedAt: statement.createdAt,
    Database: target.database,
    DbUser: target.dbUser,
    SecretArn: target.secretArn,
    ...(target.workgroupName !== undefined
      ? { WorkgroupName: target.workgroupName }
      : { ClusterIdentifier: target.clusterIdentifier }),
    Status: statement.status,
    RedshiftPid: statement.redshiftPid,
    HasResultSet: statement.status === 'FINISHED' ? last.hasResultSet : undefined,
  };
}

function describe(statement: Statement) {
  const { target } = statement;
  const single = statement.isBatch ? undefined : statement.subStatements[0]!;
  const ran = statement.subStatements.filter((sub) => sub.status !== 'SUBMITTED');
  return {
    Id: statement.id,
    Status: statement.status,
    Error: statement.error,
    CreatedAt: statement.createdAt,
    UpdatedAt: statement.updatedAt,
    Database: target.database,
    DbUser: target.dbUser,
    SecretArn: target.secretArn,
    ...(target.workgroupName !== undefined
      ? { WorkgroupName: target.workgroupName }
      : { ClusterIdentifier: target.clusterIdentifier }),
    Duration: ran.reduce((sum, sub) => sum + sub.durationNs, 0),
    RedshiftPid: statement.redshiftPid,
    HasResultSet: statement.subStatements.some((sub) => sub.hasResultSet),
    ResultRows: single?.resultRows ?? ran.reduce((sum, sub) => sum + Math.max(sub.resultRows, 0), 0),
    ResultSize: single?.resultSize ?? ran.reduce((sum, sub) => sum + Math.max(sub.resultSize, 0), 0),
    RedshiftQueryId: single?.redshiftQueryId ?? 0,
    ...(single !== undefined ? { QueryString: single.queryString } : {}),
    QueryParameters: statement.queryParameters,
    ResultFormat: 'JSON',
    ...(statement.isBatch && { SubStatements: statement.subStatements.map(describeSubStatement) }),
  };
}

function describeSubStatement(sub: SubStatement) {
  return {
    Id: sub.id,
    Status: sub.status,
    Error: sub.error,
    CreatedAt: sub.createdAt,
    UpdatedAt: sub.updatedAt,
    Duration: sub.durationNs,
    QueryString: sub.queryString,
    HasResultSet: sub.hasResultSet,
    ResultRows: sub.resultRows,
    ResultSize: sub.resultSize,
    RedshiftQueryId: sub.redshiftQueryId,
  };
}

function resultPage(sub: SubStatement, id: string, nextToken: string | undefined, pageBytes: number) {
  const { records, columns } = sub.result!;
  const start = decodeToken(nextToken);
  if (start > records.length) throw validation(`NextToken does not belong to ${id}'s result.`);
  let end = start;
  let bytes = 0;
  // At least one row per page, then as many as fit.
  while (
    end < records.length &&
    (end === start || bytes + Buffer.byteLength(JSON.stringify(records[end])) <= pageBytes)
  ) {
    bytes += Buffer.byteLength(JSON.stringify(records[end]));
    end += 1;
  }
  return {
    Records: records.slice(start, end),
    ColumnMetadata: columns,
    TotalNumRows: records.length,
    ...(end < records.length && { NextToken: encodeToken(end) }),
  };
}

function targetOf(request: Record<string, unknown>): StatementTarget {
  const workgroupName = optionalString(request.WorkgroupName, 'WorkgroupName');
  const clusterIdentifier = optionalString(request.ClusterIdentifier, 'ClusterIdentifier');
  if ((workgroupName === undefined) === (clusterIdentifier === undefined))
    throw validation('Give either WorkgroupName (Redshift Serverless) or ClusterIdentifier, not both.');
  if (request.SessionId !== undefined || request.SessionKeepAliveSeconds !== undefined)
    throw validation(
      'Sessions (SessionId, SessionKeepAliveSeconds) are not emulated locally: use BatchExecuteStatement.',
    );
  if (request.ResultFormat !== undefined && request.ResultFormat !== 'JSON')
    throw validation(`ResultFormat ${String(request.ResultFormat)} is not emulated locally: use JSON.`);
  return {
    database: requiredString(request.Database, 'Database'),
    workgroupName,
    clusterIdentifier,
    dbUser: optionalString(request.DbUser, 'DbUser'),
    secretArn: optionalString(request.SecretArn, 'SecretArn'),
  };
}

function parametersOf(value: unknown): SqlParameter[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) throw validation('Parameters must be a non-empty list.');
  return value.map((parameter: unknown, index) => {
    const { name, value: text } = (parameter ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !PARAMETER_NAME.test(name))
      throw validation(`Parameters[${index}].name must be letters, digits or _.`);
    if (typeof text !== 'string' || text === '')
      throw validation(
        `Parameters[${index}].value must be a non-empty string (the Data API sends every value as text).`,
      );
    return { name, value: text };
  });
}

function requiredSql(value: unknown, field: string): string {
  const sql = requiredString(value, field);
  if (Buffer.byteLength(sql) > SQL_MAX_BYTES) throw validation(`${field} is longer than ${SQL_MAX_BYTES} bytes.`);
  return sql;
}

function waitTimeOf(request: Record<string, unknown>): number {
  const seconds = request.WaitTimeSeconds ?? 0;
  if (typeof seconds !== 'number' || seconds < 0 || seconds > WAIT_TIME_MAX_SECONDS)
    throw validation(`WaitTimeSeconds must be from 0 to ${WAIT_TIME_MAX_SECONDS}.`);
  return seconds;
}

function requiredString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw validation(`${field} is required.`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`${field} must be a string.`);
  return value;
}

function validation(message: string): AwsJsonError {
  return new AwsJsonError('ValidationException', message);
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

function decodeToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the error below.
  }
  throw validation('NextToken is not one this API returned.');
}
