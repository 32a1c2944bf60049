import {
  arnOf,
  physicalNameOf,
  resolveIntrinsics,
  type IntrinsicContext,
} from '../src/cloudformation/resolve-intrinsics';

const context: IntrinsicContext = {
  region: 'eu-west-2',
  accountId: '000000000000',
  stackName: 'retail-platform-local',
  resources: {
    Stream: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'retail-local-invoice-lines', ShardCount: 2 } },
    Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'retail-local-invoices' } },
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: { BucketName: { 'Fn::Sub': 'retail-local-raw-events-${AWS::AccountId}' } },
    },
    Role: { Type: 'AWS::IAM::Role', Properties: {} },
    Topic: { Type: 'AWS::SNS::Topic', Properties: { TopicName: 'retail-local-alarms' } },
    Unnamed: { Type: 'AWS::Kinesis::Stream', Properties: { ShardCount: 1 } },
    Loop: { Type: 'AWS::S3::Bucket', Properties: { BucketName: { Ref: 'Loop' } } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
  },
};

describe('resolveIntrinsics', () => {
  it('resolves the pseudo parameters', () => {
    const value = ['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::StackName', 'AWS::URLSuffix'].map(
      (name) => ({ Ref: name }),
    );
    expect(resolveIntrinsics(value, context)).toEqual([
      '000000000000',
      'eu-west-2',
      'aws',
      'retail-platform-local',
      'amazonaws.com',
    ]);
  });

  it('resolves Ref of a resource to its physical name, itself resolved', () => {
    expect(resolveIntrinsics({ Bucket: { Ref: 'Bucket' }, Stream: { Ref: 'Stream' } }, context)).toEqual({
      Bucket: 'retail-local-raw-events-000000000000',
      Stream: 'retail-local-invoice-lines',
    });
  });

  it('resolves Ref of an SNS topic to its ARN, as CloudFormation does, in Ref and in Fn::Sub', () => {
    expect(resolveIntrinsics({ Ref: 'Topic' }, context)).toBe('arn:aws:sns:eu-west-2:000000000000:retail-local-alarms');
    expect(resolveIntrinsics({ 'Fn::Sub': 'to ${Topic}' }, context)).toBe(
      'to arn:aws:sns:eu-west-2:000000000000:retail-local-alarms',
    );
  });

  it('resolves Fn::GetAtt Arn in both spellings, per resource type', () => {
    expect(resolveIntrinsics({ 'Fn::GetAtt': ['Stream', 'Arn'] }, context)).toBe(
      'arn:aws:kinesis:eu-west-2:000000000000:stream/retail-local-invoice-lines',
    );
    expect(resolveIntrinsics({ 'Fn::GetAtt': 'Table.Arn' }, context)).toBe(
      'arn:aws:dynamodb:eu-west-2:000000000000:table/retail-local-invoices',
    );
    expect(arnOf('Bucket', context)).toBe('arn:aws:s3:::retail-local-raw-events-000000000000');
  });

  it('resolves Fn::Sub with pseudo parameters, resources, attributes, variables and the ${!literal} escape', () => {
    const sub = {
      'Fn::Sub': [
        '${Bucket.Arn}/*|${Stream}|${AWS::Region}|${Suffix}|${!NotAVariable}',
        { Suffix: { Ref: 'AWS::AccountId' } },
      ],
    };
    expect(resolveIntrinsics(sub, context)).toBe(
      'arn:aws:s3:::retail-local-raw-events-000000000000/*|retail-local-invoice-lines|eu-west-2|000000000000|${NotAVariable}',
    );
  });

  it('resolves Fn::Join and drops properties that are AWS::NoValue', () => {
    expect(
      resolveIntrinsics(
        { Joined: { 'Fn::Join': ['-', ['a', { Ref: 'AWS::Region' }]] }, Gone: { Ref: 'AWS::NoValue' }, Kept: 1 },
        context,
      ),
    ).toEqual({
      Joined: 'a-eu-west-2',
      Kept: 1,
    });
  });

  it('gives a role without RoleName a stable stand-in name (nothing local runs under it)', () => {
    expect(arnOf('Role', context)).toBe('arn:aws:iam::000000000000:role/retail-platform-local-Role');
  });

  it('explains what cannot be resolved locally', () => {
    expect(() => physicalNameOf('Unnamed', context)).toThrow(
      /Unnamed \(AWS::Kinesis::Stream\) has no Name: declare one/,
    );
    expect(() => resolveIntrinsics({ Ref: 'Missing' }, context)).toThrow(/Ref Missing: no such resource/);
    expect(() => resolveIntrinsics({ Ref: 'Loop' }, context)).toThrow(/refers to itself/);
    expect(() => resolveIntrinsics({ 'Fn::GetAtt': ['Stream', 'StreamId'] }, context)).toThrow(
      /Stream\.StreamId .* not supported locally/,
    );
    expect(() => resolveIntrinsics({ Ref: 'Queue' }, context)).toThrow(/cannot name a AWS::SQS::Queue/);
    expect(() => resolveIntrinsics({ 'Fn::ImportValue': 'x' }, context)).toThrow(/Fn::ImportValue is not supported/);
  });
});
