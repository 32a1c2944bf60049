import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { createRedshiftDataClient, RedshiftDataWarehouse } from '@retail/adapters';
import type { InvoiceLineEvent } from '@retail/domain';
import { readSampleRows, sampleLines, startTestS3, type TestS3 } from '@retail/test-support';
import { Client } from 'pg';
import { LOCAL_CREDENTIALS } from '../../src/platform-settings';
import { startLocalRedshiftData, type LocalRedshiftData } from '../../src/redshift-data';
import {
  jsonpathsDocument,
  landingCopyStatement,
  readLandingColumns,
  startLocalWarehouse,
  type LocalWarehouse,
} from '../../src/warehouse';
import { redshiftDataCli } from './support/aws-cli';

const BUCKET = 'retail-test-copy';
const TARGET = { workgroupName: 'retail-local', database: 'retail' };
const ROLE = "IAM_ROLE 'arn:aws:iam::000000000000:role/retail-local-loader'";
const RUNNING = ['SUBMITTED', 'PICKED', 'STARTED'];

let stateDir: string;
let s3: TestS3;
let warehouse: LocalWarehouse;
let api: LocalRedshiftData;
let client: RedshiftDataClient;
let dataApi: RedshiftDataWarehouse;
let db: Client;

beforeAll(async () => {
  stateDir = await mkdtemp(path.join(os.tmpdir(), 'retail-copy-from-s3-'));
  [s3, warehouse] = await Promise.all([
    startTestS3(),
    startLocalWarehouse({ dataDir: path.join(stateDir, 'warehouse'), port: 0, log: () => undefined }),
  ]);
  api = await startLocalRedshiftData({
    warehouseUrl: warehouse.url,
    port: 0,
    s3: { endpoint: s3.endpoint, region: 'eu-west-2' },
  });
  client = createRedshiftDataClient({
    region: 'eu-west-2',
    endpoints: { redshiftData: api.endpoint },
    credentials: LOCAL_CREDENTIALS,
  });
  dataApi = new RedshiftDataWarehouse(client, TARGET);
  db = new Client({ connectionString: warehouse.url });
  await db.connect();
  await s3.createBucket(BUCKET);
  await db.query(`CREATE SCHEMA copy_test;
    CREATE TABLE copy_test.lines (line_id varchar(16) NOT NULL, quantity integer, invoice_date timestamp,
      unit_price numeric(18, 3), is_product boolean, loaded_at timestamp DEFAULT now())`);
}, 120_000);

afterAll(async () => {
  await db?.end();
  client?.destroy();
  await api?.stop();
  await warehouse?.stop();
  await s3?.close();
  await rm(stateDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await db.query('TRUNCATE copy_test.lines');
});

const put = (key: string, body: string | Buffer) =>
  s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const ndjson = (records: readonly object[]) => records.map((record) => JSON.stringify(record)).join('\n');
const line = (lineId: string, overrides: Record<string, unknown> = {}) => ({
  line_id: lineId,
  quantity: 6,
  invoice_date: '2010-12-01T08:26:00',
  unit_price: 2.55,
  is_product: true,
  ...overrides,
});
const count = async (sql: string, values: unknown[] = []) =>
  Number((await db.query<{ count: string }>(sql, values)).rows[0]!.count);
const loaded = () => count('SELECT count(*) FROM copy_test.lines');
const loadErrors = async (filename: string) =>
  (
    await db.query(
      `SELECT filename, line_number, colname, trim(type) AS type, err_code, err_reason, raw_field_value, raw_line
         FROM stl_load_errors WHERE filename = $1 ORDER BY query, line_number`,
      [filename],
    )
  ).rows;

describe('COPY from S3 on the local Redshift Data API', () => {
  it('loads a COPY sent with the AWS CLI from a prefix of gzipped NDJSON (the raw archive), with landing-columns.yml', async () => {
    const landing = await readLandingColumns();
    await put(landing.jsonpathsKey, JSON.stringify(jsonpathsDocument(landing)));
    const events = sampleLines(await readSampleRows())
      .slice(0, 30)
      .map((event) => ({ ...(JSON.parse(JSON.stringify(event)) as InvoiceLineEvent), lineId: `cli-${event.lineId}` }));
    // Every object whose key starts with the prefix, in folders or not; another prefix is not read.
    await put('raw/invoice-lines/year=2010/month=12/day=01/part-0.gz', gzipSync(ndjson(events.slice(0, 20))));
    await put('raw/invoice-lines/year=2010/month=12/day=02/part-1.gz', gzipSync(ndjson(events.slice(20))));
    await put('raw/invoice-lines-old/part-9.gz', gzipSync(ndjson(events.map((event) => ({ ...event, lineId: 'x' })))));
    const sql = landingCopyStatement(landing, {
      from: `s3://${BUCKET}/raw/invoice-lines/year=2010/`,
      manifest: false,
      authorization: ROLE,
      stagingBucket: BUCKET,
    });
    const aws = redshiftDataCli(api.endpoint);
    const target = ['--workgroup-name', TARGET.workgroupName, '--database', TARGET.database];
    const finished = async (id: unknown) => {
      for (let attempt = 0; ; attempt++) {
        const described = await aws('describe-statement', '--id', String(id));
        if (!RUNNING.includes(String(described.Status)) || attempt === 60) return described;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const copied = await aws('execute-statement', ...target, '--sql', sql);
    await expect(finished(copied.Id)).resolves.toMatchObject({ Status: 'FINISHED', ResultRows: 30 });
    const counted = await aws(
      'execute-statement',
      ...target,
      '--sql',
      "SELECT count(*) AS lines, sum(quantity) AS units FROM retail.invoice_line_landing WHERE line_id LIKE 'cli-%'",
    );
    await finished(counted.Id);
    await expect(aws('get-statement-result', '--id', String(counted.Id))).resolves.toMatchObject({
      Records: [[{ longValue: 30 }, { longValue: events.reduce((sum, event) => sum + event.quantity, 0) }]],
    });

    // What the local COPY does not run comes back by name, as the statement's error.
    const refused = await aws('execute-statement', ...target, '--sql', `${sql} NOLOAD`);
    const described = await finished(refused.Id);
    expect(described).toMatchObject({ Status: 'FAILED' });
    expect(String(described.Error)).toContain('COPY parameter NOLOAD is not supported by the local COPY');
    expect(await count("SELECT count(*) FROM retail.invoice_line_landing WHERE line_id LIKE 'cli-%'")).toBe(30);
  });

  it('loads the rest and records the error of a bad line within MAXERROR; at MAXERROR, loads nothing', async () => {
    const file = `s3://${BUCKET}/maxerror/lines.json`;
    await put('maxerror/lines.json', ndjson([line('a'), line('b', { quantity: 1.5 }), line('c')]));
    const copy = (parameters: string) =>
      dataApi.query(`COPY copy_test.lines (line_id, quantity, invoice_date, unit_price, is_product)
        FROM 's3://${BUCKET}/maxerror/' ${ROLE} JSON 'auto' TIMEFORMAT 'auto' ${parameters}`);

    await copy('MAXERROR 2');
    expect(await loaded()).toBe(2);
    expect(await loadErrors(file)).toEqual([
      {
        filename: file,
        line_number: '2',
        colname: 'quantity',
        type: 'int4',
        err_code: 1207,
        err_reason: "Invalid digit, Value '.', Pos 1, Type: int4",
        raw_field_value: '1.5',
        raw_line: JSON.stringify(line('b', { quantity: 1.5 })),
      },
    ]);

    // "Set this value to 0 or 1 if you want the load to fail as soon as the first error occurs" (MAXERROR).
    await db.query('TRUNCATE copy_test.lines');
    for (const parameters of ['', 'MAXERROR 1']) {
      await expect(copy(parameters)).rejects.toThrow(
        `Load into table 'lines' failed. Check 'stl_load_errors' system table for details. (First error: ${file} line 2, column quantity: Invalid digit`,
      );
      expect(await loaded()).toBe(0);
    }
    // Each failed COPY's error stays, though its rows were rolled back.
    expect(await loadErrors(file)).toHaveLength(3);
  });

  it('is all or nothing inside a BatchExecuteStatement transaction', async () => {
    await put('batch/lines.json', ndjson([line('a'), line('b'), line('c')]));
    const copy = `COPY copy_test.lines (line_id, quantity, invoice_date, unit_price, is_product)
      FROM 's3://${BUCKET}/batch/lines.json' ${ROLE} JSON 'auto' TIMEFORMAT 'auto'`;
    await dataApi.executeBatch([copy, copy]);
    expect(await loaded()).toBe(6);
    await expect(
      dataApi.executeBatch([copy, 'INSERT INTO copy_test.lines (line_id, quantity) VALUES (NULL, 1)']),
    ).rejects.toThrow(/null value in column "line_id"/);
    expect(await loaded()).toBe(6);
    await expect(dataApi.executeBatch([copy, `${copy} MAXERROR 100001`])).rejects.toThrow(/MAXERROR 100001/);
    expect(await loaded()).toBe(6);
  });

  it('reads a MANIFEST: a missing mandatory file fails the COPY, a missing optional one is skipped', async () => {
    await put('manifest/part-0.json', ndjson([line('m1'), line('m2')]));
    const manifest = (entries: object[]) => put('manifest/load.manifest', JSON.stringify({ entries }));
    const copy = () =>
      dataApi.query(`COPY copy_test.lines (line_id, quantity, invoice_date, unit_price, is_product)
        FROM 's3://${BUCKET}/manifest/load.manifest' ${ROLE} MANIFEST JSON 'auto' TIMEFORMAT 'auto'`);
    await manifest([
      { url: `s3://${BUCKET}/manifest/part-0.json`, mandatory: true },
      { url: `s3://${BUCKET}/manifest/missing.json`, mandatory: false },
    ]);
    await copy();
    expect(await loaded()).toBe(2);
    await manifest([{ url: `s3://${BUCKET}/manifest/missing.json`, mandatory: true }]);
    await expect(copy()).rejects.toThrow(`COPY cannot read s3://${BUCKET}/manifest/missing.json`);
    await expect(
      dataApi.query(`COPY copy_test.lines FROM 's3://${BUCKET}/nothing/' ${ROLE} JSON 'auto'`),
    ).rejects.toThrow("The specified S3 prefix 'nothing/' does not exist");
  });

  it('fails the whole COPY, whatever MAXERROR, on a file that does not inflate under GZIP, naming it', async () => {
    await put('gzip/part-0.gz', gzipSync(ndjson([line('g1')])));
    await put('gzip/part-1.gz', ndjson([line('g2')]));
    await expect(
      dataApi.query(`COPY copy_test.lines (line_id) FROM 's3://${BUCKET}/gzip/' ${ROLE} JSON 'auto' GZIP MAXERROR 10`),
    ).rejects.toThrow(`S3 key being read: s3://${BUCKET}/gzip/part-1.gz`);
    expect(await loaded()).toBe(0);
  });

  it("matches camelCase keys only under 'auto ignorecase'; under 'auto' a NOT NULL column gets no value", async () => {
    await put('camel/lines.json', ndjson([{ Line_Id: 'k1', Quantity: 3 }]));
    const copy = (option: string) =>
      dataApi.query(`COPY copy_test.lines (line_id, quantity) FROM 's3://${BUCKET}/camel/' ${ROLE} JSON '${option}'`);
    await expect(copy('auto')).rejects.toThrow(/column line_id: Missing data for not-null field/);
    await copy('auto ignorecase');
    expect((await db.query('SELECT line_id, quantity FROM copy_test.lines')).rows).toEqual([
      { line_id: 'k1', quantity: 3 },
    ]);
  });

  it('rejects a record with bytes that are not UTF-8 (1220) and takes the others', async () => {
    const file = `s3://${BUCKET}/utf8/lines.json`;
    const bad = Buffer.concat([Buffer.from('{"line_id":"u2","description":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    await put(
      'utf8/lines.json',
      Buffer.concat([Buffer.from('{"line_id":"u1"}\n'), bad, Buffer.from('\n{"line_id":"u3"}')]),
    );
    await dataApi.query(`COPY copy_test.lines (line_id) FROM '${file}' ${ROLE} JSON 'auto' MAXERROR 5`);
    expect(await loaded()).toBe(2);
    expect(await loadErrors(file)).toEqual([expect.objectContaining({ line_number: '2', err_code: 1220 })]);
  });

  it("keeps stl_load_errors with Redshift's columns", async () => {
    const { rows } = await db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'stl_load_errors' ORDER BY ordinal_position`,
    );
    // AWS's page STL_LOAD_ERRORS, "Table columns".
    expect(rows.map((row) => row.column_name)).toEqual([
      'userid',
      'slice',
      'tbl',
      'starttime',
      'session',
      'query',
      'filename',
      'line_number',
      'colname',
      'type',
      'col_length',
      'position',
      'raw_line',
      'raw_field_value',
      'err_code',
      'err_reason',
      'is_partial',
      'start_offset',
    ]);
  });
});
