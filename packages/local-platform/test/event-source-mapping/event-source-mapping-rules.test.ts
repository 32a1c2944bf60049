import { judgeBatchItemFailures } from '../../src/event-source-mapping/batch-item-failures';
import { invocationRecordS3Key } from '../../src/event-source-mapping/on-failure-destination';
import { matchesFilterPatterns, validateFilterPatterns } from '../../src/event-source-mapping/record-filter';

const BATCH = ['100', '200', '300'];

describe('judgeBatchItemFailures (AWS success and failure conditions)', () => {
  test.each([
    ['an empty response', ''],
    ['a null response', 'null'],
    ['an empty object', '{}'],
    ['a null list', '{"batchItemFailures":null}'],
    ['an empty list', '{"batchItemFailures":[]}'],
    ['a response that is not an object', '"done"'],
  ])('%s is a success', (_, payload) => {
    expect(judgeBatchItemFailures(payload, BATCH)).toEqual({ kind: 'success' });
  });

  test('the lowest failed sequence number is where processing resumes', () => {
    expect(
      judgeBatchItemFailures('{"batchItemFailures":[{"itemIdentifier":"300"},{"itemIdentifier":"200"}]}', BATCH),
    ).toEqual({ kind: 'partial', firstFailedIndex: 1 });
  });

  test.each([
    ['an empty itemIdentifier', '{"batchItemFailures":[{"itemIdentifier":""}]}'],
    ['a null itemIdentifier', '{"batchItemFailures":[{"itemIdentifier":null}]}'],
    ['a wrong key name', '{"batchItemFailures":[{"id":"100"}]}'],
    ['an identifier not in the batch', '{"batchItemFailures":[{"itemIdentifier":"100"},{"itemIdentifier":"999"}]}'],
    ['a list that is not a list', '{"batchItemFailures":"100"}'],
    ['a response that is not JSON', 'oops'],
  ])('%s fails the whole batch', (_, payload) => {
    expect(judgeBatchItemFailures(payload, BATCH)).toMatchObject({ kind: 'batch-failure' });
  });
});

describe('filter patterns', () => {
  const data = (value: unknown) => Buffer.from(JSON.stringify(value));
  const matches = (pattern: object, value: unknown) =>
    matchesFilterPatterns(validateFilterPatterns([{ data: pattern }], 'filterPatterns'), data(value));

  test.each([
    [{ country: ['United Kingdom'] }, { country: 'United Kingdom' }, true],
    [{ country: ['United Kingdom'] }, { country: 'France' }, false],
    [{ customer: { id: [12346] } }, { customer: { id: 12346 } }, true],
    [{ stockCode: [{ prefix: 'POST' }] }, { stockCode: 'POSTAGE' }, true],
    [{ stockCode: [{ suffix: 'B' }] }, { stockCode: '85123A' }, false],
    [{ country: [{ 'equals-ignore-case': 'eire' }] }, { country: 'EIRE' }, true],
    [{ country: [{ 'anything-but': ['United Kingdom', 'EIRE'] }] }, { country: 'France' }, true],
    [{ country: [{ 'anything-but': { prefix: 'United' } }] }, { country: 'United Kingdom' }, false],
    [{ quantity: [{ numeric: ['>', 0, '<=', 100] }] }, { quantity: 100 }, true],
    [{ quantity: [{ numeric: ['>', 0, '<=', 100] }] }, { quantity: -1 }, false],
    [{ customerId: [{ exists: false }] }, { invoiceNo: '1' }, true],
    [{ customerId: [{ exists: true }] }, { invoiceNo: '1' }, false],
    [{ customerId: [null] }, { customerId: null }, true],
    [{ description: [{ wildcard: '*HEART*' }] }, { description: 'WHITE HANGING HEART T-LIGHT HOLDER' }, true],
    [{ tags: ['gift'] }, { tags: ['home', 'gift'] }, true],
    [
      { $or: [{ country: ['France'] }, { quantity: [{ numeric: ['>=', 1000] }] }] },
      { country: 'Spain', quantity: 1200 },
      true,
    ],
  ])('%j against %j matches: %s', (pattern, value, expected) => {
    expect(matches(pattern, value)).toBe(expected);
  });

  test('data that is not JSON matches no pattern', () => {
    expect(matchesFilterPatterns([{ data: { country: [{ exists: false }] } }], Buffer.from('not json'))).toBe(false);
  });
});

test('S3 invocation records are named as AWS names them, in UTC', () => {
  const key = invocationRecordS3Key(
    'c53a5393-f927-5081-b48b-b6f8bea59b15',
    'shardId-000000000001',
    new Date('2025-03-09T07:05:04.321Z'),
  );
  expect(key).toMatch(
    /^aws\/lambda\/c53a5393-f927-5081-b48b-b6f8bea59b15\/shardId-000000000001\/2025\/03\/09\/2025-03-09T07\.05\.04-[0-9a-f-]{36}$/,
  );
});
