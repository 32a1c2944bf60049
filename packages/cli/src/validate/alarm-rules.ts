// Operations as code (resources/alarms.yml, packages/serverless-plugins/function-alarms.js): what must raise an alarm,
// and that every alarm notifies the stage's one alarm topic.
import type { CloudFormationResource, PackagedStack } from '../deploy/package-stacks';
import type { TemplateFinding } from './template-findings';
import { asList, valueText } from './template-values';

/** The alarms a resource must have, by type: [namespace, metric] pairs, each on the resource's own dimension. */
interface AlarmRequirement {
  rule: string;
  type: string;
  dimension: string;
  /** The metrics this resource needs an alarm on. */
  metrics(resource: CloudFormationResource, logicalId: string, stack: PackagedStack): string[];
}

/** Functions a stream feeds (Kinesis or DynamoDB: the mappings with a StartingPosition), by logical id. */
function streamConsumers(stack: PackagedStack): Set<string> {
  return new Set(
    Object.values(stack.template.Resources)
      .filter(
        (resource) =>
          resource.Type === 'AWS::Lambda::EventSourceMapping' && resource.Properties?.StartingPosition !== undefined,
      )
      .map((mapping) => valueText(mapping.Properties?.FunctionName).replace(/^\$\{([^}.]+).*$/, '$1')),
  );
}

const REQUIREMENTS: readonly AlarmRequirement[] = [
  {
    rule: 'alarms/lambda',
    type: 'AWS::Lambda::Function',
    dimension: 'FunctionName',
    metrics: (_resource, logicalId, stack) => [
      'AWS/Lambda:Errors',
      'AWS/Lambda:Throttles',
      ...(streamConsumers(stack).has(logicalId) ? ['AWS/Lambda:IteratorAge'] : []),
    ],
  },
  {
    rule: 'alarms/delivery-stream',
    type: 'AWS::KinesisFirehose::DeliveryStream',
    dimension: 'DeliveryStreamName',
    // A Redshift destination stages in S3 first: its freshness is the staging's (Firehose has no Redshift freshness).
    metrics: (resource) => [
      resource.Properties?.RedshiftDestinationConfiguration
        ? 'AWS/Firehose:DeliveryToRedshift.Success'
        : 'AWS/Firehose:DeliveryToS3.Success',
      'AWS/Firehose:DeliveryToS3.DataFreshness',
    ],
  },
  {
    rule: 'alarms/dynamodb-throttles',
    type: 'AWS::DynamoDB::Table',
    dimension: 'TableName',
    metrics: () => ['AWS/DynamoDB:ThrottledRequests'],
  },
  {
    rule: 'alarms/stream-iterator-age',
    type: 'AWS::Kinesis::Stream',
    dimension: 'StreamName',
    metrics: () => ['AWS/Kinesis:GetRecords.IteratorAgeMilliseconds'],
  },
];

interface Alarm {
  stack: PackagedStack;
  logicalId: string;
  properties: Record<string, unknown>;
}

const alarmsOf = (stack: PackagedStack): Alarm[] =>
  Object.entries(stack.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
    .map(([logicalId, resource]) => ({ stack, logicalId, properties: resource.Properties ?? {} }));

/** The resource (logical id) an alarm watches through `dimension`, when its value is a Ref to one. */
function watchedResource(alarm: Alarm, dimension: string): string | undefined {
  const found = asList(alarm.properties.Dimensions).find(
    (entry) => (entry as { Name?: unknown }).Name === dimension,
  ) as { Value?: unknown } | undefined;
  const reference = found && typeof found.Value === 'object' ? (found.Value as { Ref?: unknown }).Ref : undefined;
  return typeof reference === 'string' ? reference : undefined;
}

/**
 * The stage's alarm topic: the platform stack's SNS topics named `*-alarms`, as its alarms reference it (Ref) and as
 * the services import it (the export whose value is that Ref).
 */
function alarmTopicReferences(platform: PackagedStack | undefined): { topics: string[]; actions: Set<string> } {
  if (!platform) return { topics: [], actions: new Set() };
  const topics = Object.entries(platform.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::SNS::Topic')
    .filter(([, resource]) => /-alarms$/.test(valueText(resource.Properties?.TopicName)))
    .map(([logicalId]) => logicalId);
  const actions = new Set(topics.map((topic) => valueText({ Ref: topic })));
  for (const output of Object.values(platform.template.Outputs ?? {}))
    if (output.Export && topics.some((topic) => valueText(output.Value) === valueText({ Ref: topic })))
      actions.add(valueText({ 'Fn::ImportValue': output.Export.Name }));
  return { topics, actions };
}

const get = (value: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>(
    (inner, key) => (inner && typeof inner === 'object' ? (inner as Record<string, unknown>)[key] : undefined),
    value,
  );

/**
 * The platform's buckets that stream consumers give records up to (their mappings' OnFailure destinations, imported
 * from the platform stack's exports): each one's first object must reach the alarm topic, not wait for someone to look.
 */
function checkOnFailureBuckets(stacks: readonly PackagedStack[], platform: PackagedStack, topics: string[]) {
  const exportedValue = new Map(
    Object.values(platform.template.Outputs ?? {}).flatMap((output) =>
      output.Export ? [[valueText({ 'Fn::ImportValue': output.Export.Name }), valueText(output.Value)] as const] : [],
    ),
  );
  const destinations = new Set(
    stacks.flatMap((stack) =>
      Object.values(stack.template.Resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::EventSourceMapping')
        .map((mapping) => valueText(get(mapping.Properties, 'DestinationConfig', 'OnFailure', 'Destination')))
        .filter((destination) => destination !== ''),
    ),
  );
  const findings: TemplateFinding[] = [];
  for (const destination of destinations) {
    const bucketArn = exportedValue.get(destination) ?? destination;
    const [, bucket] = /^\$\{([^}.]+)\.Arn\}$/.exec(bucketArn) ?? [];
    const resource = bucket === undefined ? undefined : platform.template.Resources[bucket];
    if (resource?.Type !== 'AWS::S3::Bucket') continue; // an SNS or SQS destination is a notification already
    const notifies = asList(get(resource.Properties, 'NotificationConfiguration', 'TopicConfigurations')).some(
      (configuration) =>
        topics.some((topic) => valueText(get(configuration, 'Topic')) === valueText({ Ref: topic })) &&
        /^s3:ObjectCreated:/.test(valueText(get(configuration, 'Event'))),
    );
    if (!notifies)
      findings.push({
        stack: platform.stackName,
        resource: bucket!,
        rule: 'alarms/on-failure-bucket',
        message:
          "stream consumers give records up to this bucket, but its objects notify nobody: add a NotificationConfiguration TopicConfiguration (s3:ObjectCreated:*) to the stage's alarm topic",
      });
  }
  return findings;
}

export function checkAlarms(stacks: readonly PackagedStack[]): TemplateFinding[] {
  const findings: TemplateFinding[] = [];
  const platform = stacks.find((stack) => stack.isPlatformStack);
  const { topics, actions } = alarmTopicReferences(platform);
  if (platform && topics.length !== 1)
    findings.push({
      stack: platform.stackName,
      resource: topics.join(', ') || 'AlarmTopic',
      rule: 'alarms/one-topic',
      message: `the stage needs exactly one alarm topic (an AWS::SNS::Topic named ${'${self:custom.names.alarmTopic}'}), found ${topics.length}`,
    });
  if (platform) findings.push(...checkOnFailureBuckets(stacks, platform, topics));

  for (const stack of stacks) {
    const alarms = alarmsOf(stack);
    for (const requirement of REQUIREMENTS)
      for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
        if (resource.Type !== requirement.type) continue;
        const watching = alarms.filter((alarm) => watchedResource(alarm, requirement.dimension) === logicalId);
        for (const metric of requirement.metrics(resource, logicalId, stack)) {
          if (
            watching.some(
              (alarm) =>
                `${valueText(alarm.properties.Namespace)}:${valueText(alarm.properties.MetricName)}` === metric,
            )
          )
            continue;
          findings.push({
            stack: stack.stackName,
            resource: logicalId,
            rule: requirement.rule,
            message: `no alarm on ${metric} for this resource (dimension ${requirement.dimension}): add one (resources/alarms.yml, or the function-alarms plugin for functions)`,
          });
        }
      }

    for (const alarm of alarms) {
      const finding = (rule: string, message: string) =>
        findings.push({ stack: stack.stackName, resource: alarm.logicalId, rule, message });
      const alarmActions = asList(alarm.properties.AlarmActions).map(valueText);
      if (alarmActions.length === 0) finding('alarms/notifies-topic', 'the alarm has no AlarmActions: nobody hears it');
      for (const action of alarmActions)
        if (!actions.has(action))
          finding(
            'alarms/notifies-topic',
            `the alarm notifies ${action}, not the stage's alarm topic (Ref AlarmTopic in the platform stack, \${param:alarmTopicArn} in a service)`,
          );
      if (alarm.properties.TreatMissingData === undefined)
        finding(
          'alarms/missing-data',
          'TreatMissingData is not set: say what an idle period means (notBreaching, ...)',
        );
    }
  }
  return findings;
}
