import { contentLineId, positionalLineId } from '@retail/domain';
import { INVOICE_TABLE_KEYS, lineSortKey } from '../src/invoice-table-keys';
import { invoiceTableProperties } from '@retail/test-support';

describe('invoice table keys', () => {
  it('are the keys resources/dynamodb.yml declares for the table and its byCustomer index', () => {
    const table = invoiceTableProperties();
    const index = table.GlobalSecondaryIndexes?.find(
      (candidate) => candidate.IndexName === INVOICE_TABLE_KEYS.byCustomerIndex,
    );

    expect(table.KeySchema).toEqual([
      { AttributeName: INVOICE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: INVOICE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    expect(index?.KeySchema).toEqual([
      { AttributeName: INVOICE_TABLE_KEYS.customerPartitionKey, KeyType: 'HASH' },
      { AttributeName: INVOICE_TABLE_KEYS.customerSortKey, KeyType: 'RANGE' },
    ]);
    expect(index?.Projection).toEqual({ ProjectionType: 'ALL' });
    const { partitionKey, sortKey, customerPartitionKey, customerSortKey } = INVOICE_TABLE_KEYS;
    expect(table.AttributeDefinitions).toEqual(
      expect.arrayContaining(
        [partitionKey, sortKey, customerPartitionKey, customerSortKey].map((AttributeName) => ({
          AttributeName,
          AttributeType: 'S',
        })),
      ),
    );
    expect(table.AttributeDefinitions).toHaveLength(4);
  });

  it("sort an invoice's positioned lines in line order, then lines sent without a position, then any other id", () => {
    const ids = [
      'A563185:odd-id',
      contentLineId('A563185', ['x'], 10),
      contentLineId('A563185', ['x'], 2),
      positionalLineId('A563185', Number.MAX_SAFE_INTEGER),
      positionalLineId('A563185', 1000),
      positionalLineId('A563185', 10),
      positionalLineId('A563185', 2),
    ];
    const keys = ids.map((id) => lineSortKey('A563185', id));

    expect([...keys].sort()).toEqual([...keys].reverse());
    expect(keys[6]).toBe('LINE#0000000000000002');
  });

  it('give different lines different keys, including ids that only look alike', () => {
    const ids = ['536365:1', '536365:01', '536365:c-ab-1', '536365:c-ab-01', '536366:1', '536365:x', '536365:~x'];
    const keys = ids.map((id) => lineSortKey('536365', id));

    expect(new Set(keys).size).toBe(ids.length);
  });
});
