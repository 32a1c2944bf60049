import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  ScanCommand,
  type DynamoDBClient,
  type AttributeValue,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { declaredProperties, readPlatformTemplateSync } from '@retail/local-platform';
import dynalite from 'dynalite';
import { createDynamoDbClient, INVOICE_TABLE_KEYS, type AwsClientSettings } from '@retail/adapters';
import { TEST_ACCOUNT_ID, TEST_CREDENTIALS, TEST_REGION, TEST_STAGE } from './test-stage';

interface TableProperties {
  TableName: string;
  BillingMode: 'PAY_PER_REQUEST' | 'PROVISIONED';
  AttributeDefinitions: CreateTableCommandInput['AttributeDefinitions'];
  KeySchema: CreateTableCommandInput['KeySchema'];
  GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
}

/** InvoiceTable's properties as the platform template declares them for the test stage. */
export function invoiceTableProperties(): TableProperties {
  const template = readPlatformTemplateSync(TEST_STAGE);
  return declaredProperties(template, 'InvoiceTable', TEST_ACCOUNT_ID) as unknown as TableProperties;
}

export interface DynamoDbTestServer {
  endpoint: string;
  /** Where and as whom a client reaches the emulator. */
  settings: AwsClientSettings;
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
  const settings = { region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoints: { dynamodb: endpoint } };
  const client = createDynamoDbClient(settings);
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

  return { endpoint, settings, client, createInvoiceTable, scanTable, stop };
}
