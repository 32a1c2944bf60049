import {
  declaredBuckets,
  declaredStreams,
  declaredTables,
  platformTemplateFromPrintedConfiguration,
} from '../src/cloudformation/read-platform-template';

// The shape `sls print --format json` gives for the platform stack (trimmed).
const printed = {
  service: 'retail-platform',
  provider: { name: 'aws', stage: 'local', region: 'eu-west-2' },
  resources: {
    Resources: {
      Lines: {
        Type: 'AWS::Kinesis::Stream',
        Properties: { Name: 'retail-local-invoice-lines', ShardCount: 2, RetentionPeriodHours: 24 },
      },
      OnDemand: {
        Type: 'AWS::Kinesis::Stream',
        Properties: { Name: 'on-demand', StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
      },
      Invoices: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'retail-local-invoices',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'customerPk', AttributeType: 'S' },
          ],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          GlobalSecondaryIndexes: [
            {
              IndexName: 'byCustomer',
              KeySchema: [{ AttributeName: 'customerPk', KeyType: 'HASH' }],
              Projection: { ProjectionType: 'ALL' },
              ContributorInsightsSpecification: { Enabled: true },
            },
          ],
          SSESpecification: { SSEEnabled: true },
        },
      },
      Raw: {
        Type: 'AWS::S3::Bucket',
        Properties: { BucketName: { 'Fn::Sub': 'retail-local-raw-events-${AWS::AccountId}' } },
      },
      RawPolicy: { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'Raw' } } },
    },
  },
};

describe('reading the platform template', () => {
  const template = platformTemplateFromPrintedConfiguration(printed);

  it('takes service, stage, region and every resource from `sls print`', () => {
    expect(template).toMatchObject({ service: 'retail-platform', stage: 'local', region: 'eu-west-2' });
    expect(Object.keys(template.resources)).toEqual(['Lines', 'OnDemand', 'Invoices', 'Raw', 'RawPolicy']);
  });

  it('reads streams with their name, ARN and shard count (4 to start with when on demand)', () => {
    expect(declaredStreams(template, '000000000000')).toEqual([
      {
        logicalId: 'Lines',
        name: 'retail-local-invoice-lines',
        arn: 'arn:aws:kinesis:eu-west-2:000000000000:stream/retail-local-invoice-lines',
        shardCount: 2,
      },
      {
        logicalId: 'OnDemand',
        name: 'on-demand',
        arn: 'arn:aws:kinesis:eu-west-2:000000000000:stream/on-demand',
        shardCount: 4,
      },
    ]);
  });

  it('turns a table into the CreateTable request the emulator understands, GSI included', () => {
    const [table] = declaredTables(template, '000000000000');
    expect(table?.arn).toBe('arn:aws:dynamodb:eu-west-2:000000000000:table/retail-local-invoices');
    expect(table?.createTable).toEqual({
      TableName: 'retail-local-invoices',
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: printed.resources.Resources.Invoices.Properties.AttributeDefinitions,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byCustomer',
          KeySchema: [{ AttributeName: 'customerPk', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
  });

  it('resolves bucket names from Fn::Sub with the local account id', () => {
    expect(declaredBuckets(template, '000000000000')).toEqual([
      {
        logicalId: 'Raw',
        name: 'retail-local-raw-events-000000000000',
        arn: 'arn:aws:s3:::retail-local-raw-events-000000000000',
      },
    ]);
  });

  it('refuses output that is not a service, and a stream without shards', () => {
    expect(() => platformTemplateFromPrintedConfiguration({ resources: {} })).toThrow(/no service and provider/);
    const noShards = platformTemplateFromPrintedConfiguration({
      ...printed,
      resources: { Resources: { Lines: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'x' } } } },
    });
    expect(() => declaredStreams(noShards, '000000000000')).toThrow(/Lines declares no ShardCount/);
  });
});
