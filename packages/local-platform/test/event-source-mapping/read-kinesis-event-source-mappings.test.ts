import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readKinesisEventSourceMappings } from '../../src/event-source-mapping';
import { stableMappingUuid } from '../../src/event-source-mapping/kinesis-event-source-mapping';
import { printServerlessConfiguration } from '../../src/serverless-print';

const FIXTURE_SERVICE = path.join(__dirname, 'fixtures', 'stream-consumer-service');
// `sls print --stage local --format json` of the fixture service, as the local platform reads it.
const PRINTED = JSON.parse(readFileSync(path.join(FIXTURE_SERVICE, 'serverless-print.local.json'), 'utf8')) as Record<
  string,
  unknown
>;
const LAMBDA_ENDPOINT = 'http://127.0.0.1:3002';
const STREAM_ARN = 'arn:aws:kinesis:eu-west-2:000000000000:stream/retail-local-invoice-lines';
const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/retail-esm-fixture-local-eu-west-2-lambdaRole';

/** The fixture's print with `functions` replaced. */
function printWith(functions: Record<string, unknown>): Record<string, unknown> {
  return { ...PRINTED, functions };
}

describe('readKinesisEventSourceMappings', () => {
  test('reads every Kinesis stream event of the service with the settings osls deploys', () => {
    const warnings: string[] = [];
    const mappings = readKinesisEventSourceMappings(PRINTED, {
      lambdaEndpoint: LAMBDA_ENDPOINT,
      log: { warn: (message) => warnings.push(message) },
    });

    expect(mappings).toEqual([
      {
        uuid: stableMappingUuid('retail-esm-fixture-local-storeInvoiceLines', STREAM_ARN),
        functionName: 'retail-esm-fixture-local-storeInvoiceLines',
        functionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:retail-esm-fixture-local-storeInvoiceLines',
        lambdaEndpoint: LAMBDA_ENDPOINT,
        streamArn: STREAM_ARN,
        streamName: 'retail-local-invoice-lines',
        region: 'eu-west-2',
        invokeIdentityArn: DEFAULT_ROLE,
        enabled: true,
        batchSize: 250,
        maximumBatchingWindowInSeconds: 2,
        startingPosition: 'TRIM_HORIZON',
        parallelizationFactor: 1,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 3,
        maximumRecordAgeInSeconds: 3600,
        reportBatchItemFailures: true,
        onFailureDestinationArn: 'arn:aws:s3:::retail-local-failed-records-000000000000',
      },
      // A bare ARN gets osls's defaults, BatchSize 10 included.
      {
        uuid: stableMappingUuid('retail-local-archive-invoice-lines', STREAM_ARN, 0),
        functionName: 'retail-local-archive-invoice-lines',
        functionArn: 'arn:aws:lambda:eu-west-2:000000000000:function:retail-local-archive-invoice-lines',
        lambdaEndpoint: LAMBDA_ENDPOINT,
        streamArn: STREAM_ARN,
        streamName: 'retail-local-invoice-lines',
        region: 'eu-west-2',
        invokeIdentityArn: DEFAULT_ROLE,
        enabled: true,
        batchSize: 10,
        maximumBatchingWindowInSeconds: 0,
        startingPosition: 'TRIM_HORIZON',
        parallelizationFactor: 1,
        bisectBatchOnFunctionError: false,
        maximumRetryAttempts: -1,
        maximumRecordAgeInSeconds: -1,
        reportBatchItemFailures: false,
      },
      expect.objectContaining({
        uuid: stableMappingUuid('retail-local-archive-invoice-lines', STREAM_ARN, 1),
        functionName: 'retail-local-archive-invoice-lines',
        enabled: false,
        startingPosition: 'LATEST',
        onFailureDestinationArn: 'arn:aws:sqs:eu-west-2:000000000000:retail-local-archive-failures',
      }),
      expect.objectContaining({
        functionName: 'retail-esm-fixture-local-flagLargeOrders',
        startingPosition: 'AT_TIMESTAMP',
        startingPositionTimestamp: 1700000000,
        parallelizationFactor: 2,
        filterPatterns: [
          { data: { quantity: [{ numeric: ['>=', 100] }], country: [{ 'anything-but': ['United Kingdom'] }] } },
        ],
      }),
    ]);
    expect(new Set(mappings.map((mapping) => mapping.uuid)).size).toBe(4);
    expect(warnings).toEqual([]);
  });

  test('the stored fixture is what osls prints for the fixture service today', async () => {
    // On a difference, regenerate: AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x npx sls print --stage local --format json > serverless-print.local.json
    const printed = (await printServerlessConfiguration(FIXTURE_SERVICE, 'local')) as Record<string, unknown>;
    expect({ service: printed.service, provider: printed.provider, functions: printed.functions }).toEqual({
      service: PRINTED.service,
      provider: PRINTED.provider,
      functions: PRINTED.functions,
    });
  });

  test('uses an explicit role and says which stream events it does not run', () => {
    const warnings: string[] = [];
    const mappings = readKinesisEventSourceMappings(
      printWith({
        consume: {
          name: 'consume',
          role: 'arn:aws:iam::000000000000:role/custom',
          events: [
            { stream: { arn: STREAM_ARN, type: 'kinesis' } },
            { stream: 'arn:aws:dynamodb:eu-west-2:000000000000:table/t/stream/2024' },
            { http: { path: '/' } },
          ],
        },
      }),
      { lambdaEndpoint: LAMBDA_ENDPOINT, log: { warn: (message) => warnings.push(message) } },
    );
    expect(mappings.map((mapping) => mapping.invokeIdentityArn)).toEqual(['arn:aws:iam::000000000000:role/custom']);
    expect(warnings).toEqual([expect.stringContaining('functions.consume.events[1].stream is a dynamodb stream')]);
  });

  test('takes the S3 destination of this repository’s stream-on-failure-bucket plugin, and ignores keys osls ignores, with a warning', () => {
    const warnings: string[] = [];
    const [mapping] = readKinesisEventSourceMappings(
      printWith({
        consume: {
          name: 'consume',
          events: [
            {
              stream: {
                arn: STREAM_ARN,
                onFailureBucketArn: 'arn:aws:s3:::retail-local-failed-records-000000000000',
                maximumBatchingWindow: 5,
              },
            },
          ],
        },
      }),
      { lambdaEndpoint: LAMBDA_ENDPOINT, log: { warn: (message) => warnings.push(message) } },
    );
    expect(mapping).toMatchObject({
      onFailureDestinationArn: 'arn:aws:s3:::retail-local-failed-records-000000000000',
      maximumBatchingWindowInSeconds: 0,
    });
    expect(warnings).toEqual([
      expect.stringContaining('functions.consume.events[0].stream: ignoring maximumBatchingWindow'),
    ]);
  });

  test.each([
    [
      { arn: { 'Fn::ImportValue': 'retail-platform-local-InvoiceLineStreamArn' }, type: 'kinesis' },
      /must resolve to a plain Kinesis stream ARN/,
    ],
    [{ arn: STREAM_ARN, batchSize: 20_000 }, /batchSize = 20000, AWS accepts integers 1 to 10000/],
    [
      { arn: STREAM_ARN, maximumRecordAgeInSeconds: 30 },
      /maximumRecordAgeInSeconds = 30, AWS accepts integers -1 or 60 to 604800/,
    ],
    [{ arn: STREAM_ARN, tumblingWindowInSeconds: 60 }, /tumbling windows .* are not emulated/],
    [
      { arn: STREAM_ARN, onFailureBucketArn: 'arn:aws:s3:::b', destinations: { onFailure: 'arn:aws:s3:::c' } },
      /destinations.onFailure or onFailureBucketArn, not both/,
    ],
    [{ arn: STREAM_ARN, startingPosition: 'AT_TIMESTAMP' }, /AT_TIMESTAMP needs startingPositionTimestamp/],
    [
      { arn: STREAM_ARN, destinations: { onFailure: 'arn:aws:lambda:eu-west-2:000000000000:function:f' } },
      /not an S3 bucket, SQS queue or SNS topic/,
    ],
    [{ arn: STREAM_ARN, filterPatterns: [{ partitionKey: ['1'] }] }, /only filter on the data key/],
    [
      { arn: STREAM_ARN, filterPatterns: [{ data: { amount: [{ cidr: '10.0.0.0/8' }] } }] },
      /other operators are not emulated/,
    ],
  ])('refuses %j, naming the function and the setting', (stream, message) => {
    const read = () =>
      readKinesisEventSourceMappings(printWith({ consume: { name: 'consume', events: [{ stream }] } }), {
        lambdaEndpoint: LAMBDA_ENDPOINT,
      });
    expect(read).toThrow(message);
    expect(read).toThrow(/functions\.consume\.events\[0\]\.stream/);
  });
});
