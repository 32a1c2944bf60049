import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  ListStatementsCommand,
  type RedshiftDataClient,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-redshift-data';
import { createRedshiftDataClient } from '@retail/adapters';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_CREDENTIALS } from '../../src/platform-settings';
import { startLocalRedshiftData, type LocalRedshiftData } from '../../src/redshift-data';
import { startLocalWarehouse, type LocalWarehouse } from '../../src/warehouse';
import { redshiftDataCli } from './support/aws-cli';

const TARGET = { WorkgroupName: 'retail-local', Database: 'retail' };

async function finished(client: RedshiftDataClient, id: string) {
  for (;;) {
    const described = await client.send(new DescribeStatementCommand({ Id: id }));
    if (!['SUBMITTED', 'PICKED', 'STARTED'].includes(described.Status ?? '')) return described;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the local Redshift Data API', () => {
  let stateDir: string;
  let warehouse: LocalWarehouse;
  let api: LocalRedshiftData;
  let client: RedshiftDataClient;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-redshift-data-'));
    warehouse = await startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined });
    api = await startLocalRedshiftData({ warehouseUrl: warehouse.url, port: 0, resultPageBytes: 200 });
    client = createRedshiftDataClient({
      region: 'eu-west-2',
      endpoints: { redshiftData: api.endpoint },
      credentials: LOCAL_CREDENTIALS,
    });
  });

  afterAll(async () => {
    client?.destroy();
    await api?.stop();
    await warehouse?.stop();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('runs a statement with named parameters and returns typed fields and column metadata', async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        ...TARGET,
        Sql: `SELECT CAST(:quantity AS INTEGER) * 2 AS doubled, CAST(:price AS DECIMAL(18, 3)) AS price,
                     CAST(:ratio AS DOUBLE PRECISION) AS ratio, :country AS country, :quantity = '3' AS is_three,
                     CAST(NULL AS VARCHAR(10)) AS nothing, CAST('2011-12-09 12:50:00' AS TIMESTAMP) AS invoice_date`,
        Parameters: [
          { name: 'quantity', value: '3' },
          { name: 'price', value: '2.55' },
          { name: 'ratio', value: '0.25' },
          { name: 'country', value: 'United Kingdom' },
        ],
      }),
    );
    const described = await finished(client, Id!);
    expect(described).toMatchObject({ Status: 'FINISHED', HasResultSet: true, ResultRows: 1, Database: 'retail' });
    expect(described.QueryParameters).toHaveLength(4);
    const result = await client.send(new GetStatementResultCommand({ Id }));
    expect(result.Records).toEqual([
      [
        { longValue: 6 },
        { stringValue: '2.550' },
        { doubleValue: 0.25 },
        { stringValue: 'United Kingdom' },
        { booleanValue: true },
        { isNull: true },
        { stringValue: '2011-12-09 12:50:00' },
      ],
    ]);
    expect(result.ColumnMetadata?.map(({ name, typeName }) => [name, typeName])).toEqual([
      ['doubled', 'int4'],
      ['price', 'numeric'],
      ['ratio', 'float8'],
      ['country', 'text'],
      ['is_three', 'bool'],
      ['nothing', 'varchar'],
      ['invoice_date', 'timestamp'],
    ]);
    expect(result.ColumnMetadata?.[1]).toMatchObject({ precision: 18, scale: 3, isSigned: true });
    expect(result.TotalNumRows).toBe(1);
  });

  it('names the table and nullability of table columns', async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        ...TARGET,
        Sql: 'SELECT line_id, description FROM retail.fact_invoice_line',
        WaitTimeSeconds: 10,
      }),
    );
    const { ColumnMetadata } = await client.send(new GetStatementResultCommand({ Id }));
    expect(
      ColumnMetadata?.map(({ tableName, schemaName, nullable, length }) => ({
        tableName,
        schemaName,
        nullable,
        length,
      })),
    ).toEqual([
      { tableName: 'fact_invoice_line', schemaName: 'retail', nullable: 0, length: 64 },
      { tableName: 'fact_invoice_line', schemaName: 'retail', nullable: 1, length: 2000 },
    ]);
  });

  it('pages a large result with NextToken', async () => {
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        ...TARGET,
        Sql: 'SELECT n FROM generate_series(1, 50) AS n ORDER BY n',
        WaitTimeSeconds: 10,
      }),
    );
    const values: number[] = [];
    let pages = 0;
    let NextToken: string | undefined;
    do {
      const page = await client.send(new GetStatementResultCommand({ Id, NextToken }));
      values.push(...(page.Records ?? []).map(([field]) => Number(field?.longValue)));
      expect(page.TotalNumRows).toBe(50);
      NextToken = page.NextToken;
      pages += 1;
    } while (NextToken);
    expect(values).toEqual(Array.from({ length: 50 }, (_, index) => index + 1));
    expect(pages).toBeGreaterThan(1);
  });

  it('runs a batch in one transaction: a failing statement rolls back the ones before it', async () => {
    const ok = await client.send(
      new BatchExecuteStatementCommand({
        ...TARGET,
        Sqls: [
          'CREATE TABLE retail.batch_probe (n INTEGER)',
          'INSERT INTO retail.batch_probe VALUES (1), (2)',
          'SELECT COUNT(*) AS n FROM retail.batch_probe',
        ],
        StatementName: 'probe-ok',
      }),
    );
    const done = await finished(client, ok.Id!);
    expect(done.Status).toBe('FINISHED');
    expect(
      done.SubStatements?.map(({ Id, Status, HasResultSet, ResultRows }) => ({ Id, Status, HasResultSet, ResultRows })),
    ).toEqual([
      { Id: `${ok.Id}:1`, Status: 'FINISHED', HasResultSet: false, ResultRows: -1 },
      { Id: `${ok.Id}:2`, Status: 'FINISHED', HasResultSet: false, ResultRows: 2 },
      { Id: `${ok.Id}:3`, Status: 'FINISHED', HasResultSet: true, ResultRows: 1 },
    ]);
    await expect(client.send(new GetStatementResultCommand({ Id: `${ok.Id}:3` }))).resolves.toMatchObject({
      Records: [[{ longValue: 2 }]],
    });

    const failing = await client.send(
      new BatchExecuteStatementCommand({
        ...TARGET,
        Sqls: ['INSERT INTO retail.batch_probe VALUES (3)', 'SELECT * FROM retail.no_such_table'],
        StatementName: 'probe-failing',
      }),
    );
    const failed = await finished(client, failing.Id!);
    expect(failed).toMatchObject({
      Status: 'FAILED',
      Error: expect.stringMatching(/^ERROR: relation "retail.no_such_table" does not exist/),
    });
    const count = await client.send(
      new ExecuteStatementCommand({ ...TARGET, Sql: 'SELECT COUNT(*) FROM retail.batch_probe', WaitTimeSeconds: 10 }),
    );
    await expect(client.send(new GetStatementResultCommand({ Id: count.Id }))).resolves.toMatchObject({
      Records: [[{ longValue: 2 }]],
    });

    const listed = await client.send(new ListStatementsCommand({ StatementName: 'probe-' }));
    expect(
      listed.Statements?.map(({ StatementName, Status, IsBatchStatement }) => ({
        StatementName,
        Status,
        IsBatchStatement,
      })),
    ).toEqual([
      { StatementName: 'probe-failing', Status: 'FAILED', IsBatchStatement: true },
      { StatementName: 'probe-ok', Status: 'FINISHED', IsBatchStatement: true },
    ]);
  });

  it('answers with the exceptions AWS names', async () => {
    await expect(
      client.send(new DescribeStatementCommand({ Id: '00000000-0000-0000-0000-000000000000' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      client.send(new ExecuteStatementCommand({ Database: 'retail', Sql: 'SELECT 1' })),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(client.send(new ExecuteStatementCommand({ ...TARGET, Sql: 'SELECT :missing' }))).rejects.toThrow(
      /:missing but Parameters gives no value/,
    );
    const ddl = await client.send(
      new ExecuteStatementCommand({
        ...TARGET,
        Sql: 'CREATE TABLE IF NOT EXISTS retail.no_result (n INTEGER)',
        WaitTimeSeconds: 10,
      }),
    );
    await expect(client.send(new GetStatementResultCommand({ Id: ddl.Id }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('takes the AWS CLI: execute-statement, then get-statement-result', async () => {
    const aws = redshiftDataCli(api.endpoint);
    const submitted = await aws(
      'execute-statement',
      '--workgroup-name',
      'retail-local',
      '--database',
      'retail',
      '--sql',
      'select 1',
    );
    await finished(client, String(submitted.Id));
    await expect(aws('get-statement-result', '--id', String(submitted.Id))).resolves.toMatchObject({
      Records: [[{ longValue: 1 }]],
      ColumnMetadata: [expect.objectContaining({ name: '?column?', typeName: 'int4' })],
    });
  });
});
