import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
  type AttributeValue,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { parse } from 'yaml';
import { INVOICE_TABLE_KEYS } from '@retail/adapters';
import { TEST_REGION, TEST_STAGE } from './test-stage';

const RESOURCES = resolve(__dirname, '../../../resources');

interface TableProperties {
  TableName: string;
  BillingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
  KeySchema: CreateTableCommandInput['KeySchema'];
  GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
}

/** InvoiceTable's properties as resources/dynamodb.yml declares them, named for the test stage. */
export function invoiceTableProperties(): TableProperties {
  const names = parse(readFileSync(resolve(RESOURCES, 'names.yml'), 'utf8')) as Record<string, string>;
  // The CloudFormation tags (!Ref, !GetAtt) are only in Outputs, which the table does not need: quiet their warnings.
  const template = parse(readFileSync(resolve(RESOURCES, 'dynamodb.yml'), 'utf8'), { logLevel: 'silent' }) as {
    Resources: { InvoiceTable: { Properties: TableProperties } };
  };
  const properties = template.Resources.InvoiceTable.Properties;
  const tableName = properties.TableName.replace(
    /\$\{self:custom\.names\.(\w+)\}/g,
    (_, key: string) => names[key]!,
  ).replaceAll('${sls:stage}', TEST_STAGE);
  return { ...properties, TableName: tableName };
}

export interface DynamoDbTestServer {
  endpoint: string;
  /** A low-level client of the emulator, to see items as DynamoDB stores them (numbers as their decimal text). */
  client: DynamoDBClient;
  /** Creates a new, empty invoice table as resources/dynamodb.yml declares it and returns its name. */
  createInvoiceTable(): Promise<string>;
  /** Every item of the table, in key order. */
  scanTable(tableName: string): Promise<Record<string, AttributeValue>[]>;
  stop(): Promise<void>;
}

/** An in-memory dynalite on a free port. */
export async function startDynamoDbTestServer(): Promise<DynamoDbTestServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: TEST_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  let tables = 0;

  const createInvoiceTable = async () => {
    const { TableName, BillingMode, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes } =
      invoiceTableProperties();
    const name = `${TableName}-${++tables}`;
    // Only what CreateTable takes: SSE and point-in-time recovery are CloudFormation-only settings here.
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode,
        AttributeDefinitions,
        KeySchema,
        GlobalSecondaryIndexes: GlobalSecondaryIndexes?.map(({ IndexName, KeySchema: indexKeys, Projection }) => ({
          IndexName,
          KeySchema: indexKeys,
          Projection,
        })),
      }),
    );
    return name;
  };

  const scanTable = async (tableName: string) => {
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const keyOf = (item: Record<string, AttributeValue>) =>
      `${item[INVOICE_TABLE_KEYS.partitionKey]?.S}\u0000${item[INVOICE_TABLE_KEYS.sortKey]?.S}`;
    return items.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  };

  const stop = async () => {
    client.destroy();
    await new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done())));
  };

  return { endpoint, client, createInvoiceTable, scanTable, stop };
}

/** The variables the local platform gives a function, pointing the SDK's default chain at the emulator. */
export function useDynamoDbEmulatorEnvironment(endpoint: string): void {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.AWS_REGION = TEST_REGION;
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
}
