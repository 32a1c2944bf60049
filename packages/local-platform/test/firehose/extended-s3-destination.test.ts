import { DeliveryStreamDefinitionError, parseExtendedS3Destination } from '../../src/firehose/extended-s3-destination';
import { evaluatePrefix, parseS3PrefixTemplate } from '../../src/firehose/s3-object-key';
import { rawEventsDeliveryStream } from '@retail/test-support';

const declared = () => structuredClone(rawEventsDeliveryStream().destination) as Record<string, unknown>;
const parse = (destination: unknown) => parseExtendedS3Destination(destination, 'RawEventsDeliveryStream');

describe('reading a delivery stream from its CloudFormation definition', () => {
  it('reads what resources/firehose.yml declares', () => {
    const definition = parse(declared());
    expect(definition).toMatchObject({
      compression: 'GZIP',
      fileExtension: '.gz',
      bufferingHints: { sizeInMBs: 64, intervalInSeconds: 60 },
      dynamicPartitioning: true,
      recordDelimiter: '\n',
      timeZone: 'UTC',
    });
    expect(definition.prefix.text).toBe(
      'invoice-lines/year=!{partitionKeyFromQuery:year}/month=!{partitionKeyFromQuery:month}/day=!{partitionKeyFromQuery:day}/',
    );
    expect(definition.prefix.partitionKeys).toEqual(['year', 'month', 'day']);
    expect(definition.errorOutputPrefix?.usesErrorOutputType).toBe(true);
  });

  it('accepts numbers and booleans written as strings, as CloudFormation does', () => {
    const destination = declared();
    destination.BufferingHints = { SizeInMBs: '128', IntervalInSeconds: '900' };
    destination.DynamicPartitioningConfiguration = { Enabled: 'true' };
    expect(parse(destination).bufferingHints).toEqual({ sizeInMBs: 128, intervalInSeconds: 900 });
  });

  it.each<[string, (destination: Record<string, unknown>) => void, RegExp]>([
    [
      'a Lambda processor',
      (d) => processors(d).push({ Type: 'Lambda', Parameters: [] }),
      /Processors\[2\] is a "Lambda" processor/,
    ],
    [
      'less than 64 MB of buffer with dynamic partitioning',
      (d) => (d.BufferingHints = { SizeInMBs: 5, IntervalInSeconds: 60 }),
      /SizeInMBs is 5: dynamic partitioning needs at least 64/,
    ],
    [
      'a prefix key the query does not produce',
      (d) => (d.Prefix = 'x/hour=!{partitionKeyFromQuery:hour}/'),
      /does not produce \(it produces year, month, day\)/,
    ],
    [
      'no error output prefix with dynamic partitioning',
      (d) => delete d.ErrorOutputPrefix,
      /ErrorOutputPrefix is required/,
    ],
    [
      'partition keys in the error output prefix',
      (d) => (d.ErrorOutputPrefix = 'errors/!{partitionKeyFromQuery:year}/'),
      /failed records have no partition keys/,
    ],
    ['an unknown namespace', (d) => (d.Prefix = 'x/!{partitionKeyFromLambda:year}/'), /needs a Lambda processor/],
    [
      'a text month in a timestamp',
      (d) => (d.ErrorOutputPrefix = 'errors/!{firehose:error-output-type}/!{timestamp:MMM}/'),
      /uses MMM, outside the subset/,
    ],
    [
      'an unresolved intrinsic',
      (d) => (d.Prefix = { 'Fn::Sub': 'x' }),
      /Prefix must be a string \(with intrinsic functions resolved\)/,
    ],
    ['a compression it does not write', (d) => (d.CompressionFormat = 'Snappy'), /writes GZIP or UNCOMPRESSED only/],
    ['a property it does not know', (d) => (d.S3BackupConfiguration = {}), /S3BackupConfiguration is not emulated/],
    [
      'format conversion',
      (d) => (d.DataFormatConversionConfiguration = { Enabled: true }),
      /record format conversion \(Parquet\/ORC\) is not emulated/,
    ],
    [
      'another JSON engine',
      (d) => (processors(d)[0]!.Parameters[1]!.ParameterValue = 'JQ-1.7'),
      /JQ-1.6 is the only engine/,
    ],
    [
      'an unknown delimiter escape',
      (d) => (processors(d)[1]!.Parameters[0]!.ParameterValue = '\\q'),
      /unknown escape \\q/,
    ],
  ])('refuses %s, naming the property', (_, change, message) => {
    const destination = declared();
    change(destination);
    expect(() => parse(destination)).toThrow(DeliveryStreamDefinitionError);
    expect(() => parse(destination)).toThrow(message);
  });

  it("uses AWS's hourly default prefix when a stream without dynamic partitioning declares none", () => {
    const definition = parse({
      CompressionFormat: 'UNCOMPRESSED',
      BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
    });
    const prefix = evaluatePrefix(definition.prefix, {
      oldestArrival: new Date('2011-12-09T07:05:03Z'),
      timeZone: definition.timeZone,
    });
    expect(prefix).toBe('2011/12/09/07/');
    expect(definition.fileExtension).toBe('');
    expect(definition.recordDelimiter).toBeUndefined();
  });
});

type Processor = { Type: string; Parameters: { ParameterName: string; ParameterValue: string }[] };
function processors(destination: Record<string, unknown>): Processor[] {
  return (destination.ProcessingConfiguration as { Processors: Processor[] }).Processors;
}

describe('evaluating an S3 prefix', () => {
  const arrival = new Date('2011-01-02T03:04:05Z');

  it('formats every timestamp of a prefix at the same instant, in the stream time zone', () => {
    const template = parseS3PrefixTemplate("t=!{timestamp:yyyy-MM-dd'T'HH:mm:ss}/yy=!{timestamp:yy}/m=!{timestamp:M}/");
    expect(evaluatePrefix(template, { oldestArrival: arrival, timeZone: 'UTC' })).toBe(
      't=2011-01-02T03:04:05/yy=11/m=1/',
    );
    expect(evaluatePrefix(template, { oldestArrival: arrival, timeZone: 'Asia/Tokyo' })).toBe(
      't=2011-01-02T12:04:05/yy=11/m=1/',
    );
  });

  it('fills partition keys, the error output type and an 11-character random string', () => {
    const template = parseS3PrefixTemplate(
      '!{firehose:error-output-type}/!{partitionKeyFromQuery:day}/!{firehose:random-string}/',
    );
    const prefix = evaluatePrefix(template, {
      oldestArrival: arrival,
      timeZone: 'UTC',
      partitionKeys: { day: '09' },
      errorOutputType: 'partitioning-failed',
    });
    expect(prefix).toMatch(/^partitioning-failed\/09\/[A-Za-z0-9]{11}\/$/);
  });
});
