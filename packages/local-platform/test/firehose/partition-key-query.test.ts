import {
  compilePartitionKeyQuery,
  PartitionKeyExtractionError,
  PartitionKeyQueryError,
} from '../../src/firehose/partition-key-query';
import { parseExtendedS3Destination } from '../../src/firehose/extended-s3-destination';
import { rawEventsDeliveryStream } from '@retail/test-support';

describe('the MetadataExtractionQuery subset of JQ', () => {
  const declared = parseExtendedS3Destination(
    rawEventsDeliveryStream().destination,
    'RawEventsDeliveryStream',
  ).partitionKeyQuery!;

  it("extracts the declared query's year, month and day from an ISO invoice date", () => {
    expect(declared.keys).toEqual(['year', 'month', 'day']);
    expect(declared.extract({ lineId: '581587:1', invoiceDate: '2011-12-09T12:50:00' })).toEqual({
      year: '2011',
      month: '12',
      day: '09',
    });
  });

  it('slices strings by code point, with open and negative bounds, like jq', () => {
    const query = compilePartitionKeyQuery('{head: .s[:2], tail: .s[-2:], middle: ."s"[1:-1], clamped: .s[2:99]}');
    expect(query.extract({ s: '£abc' })).toEqual({ head: '£a', tail: 'bc', middle: 'ab', clamped: 'bc' });
    expect(query.extract({ s: '😀abc' })).toEqual({ head: '😀a', tail: 'bc', middle: 'ab', clamped: 'bc' });
  });

  it('follows nested fields and writes numbers and booleans as jq does', () => {
    const query = compilePartitionKeyQuery('{ country : .customer.country, "quantity": .quantity, flag: .isProduct }');
    expect(query.extract({ customer: { country: 'EIRE' }, quantity: 12, isProduct: true })).toEqual({
      country: 'EIRE',
      quantity: '12',
      flag: 'true',
    });
  });

  it.each([
    [{ lineId: 'x' }, /must not be null or empty \(key year is null\)/],
    [{ invoiceDate: null }, /must not be null or empty/],
    [{ invoiceDate: '' }, /must not be null or empty \(key year is ""\)/],
    [{ invoiceDate: 20111209 }, /Cannot index number with object/],
    [{ invoiceDate: ['2011', '12'] }, /key year is array/],
    [['2011-12-09T12:50:00'], /Cannot index array with "invoiceDate"/],
    ['2011-12-09T12:50:00', /Cannot index string with "invoiceDate"/],
  ])('fails the record %j as AWS does', (record, message) => {
    expect(() => declared.extract(record)).toThrow(PartitionKeyExtractionError);
    expect(() => declared.extract(record)).toThrow(message);
  });

  it.each([
    '{year: .invoiceDate | split("-")[0]}',
    '{year}',
    '{year: .invoiceDate[0]}',
    '{year: "2011"}',
    '{year: .invoiceDate[0:4], year: .x}',
    '.invoiceDate[0:4]',
    '{year: .invoiceDate[0:4]} | .year',
    '{year: .invoiceDate[0:4]',
    '{year: .items[]}',
  ])('refuses %s when compiled, rather than guess what AWS computes', (query) => {
    expect(() => compilePartitionKeyQuery(query)).toThrow(PartitionKeyQueryError);
  });
});
