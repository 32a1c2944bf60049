'use strict';

/**
 * CloudWatch alarms for every function of a service, notifying `custom.functionAlarms.topicArn` (the stage's alarm
 * topic, resources/alarms.yml): Errors and Throttles for each function, and IteratorAge for each one a stream feeds.
 * Written here because the kept plugin for it (serverless-plugin-aws-alerts) has had no release since 2022 and targets
 * the Serverless v1-v3 CLI, not osls 4; the alarms are plain CloudFormation added after osls compiles the functions.
 * Missing data is "not breaching": a function nobody calls is healthy.
 */
const PERIOD_SECONDS = 300;
// A stream consumer more than 5 minutes behind its stream (batches wait 1 s; a healthy one is seconds behind).
const ITERATOR_AGE_THRESHOLD_MS = 300_000;

class FunctionAlarms {
  constructor(serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineCustomProperties({
      properties: {
        functionAlarms: {
          type: 'object',
          properties: { topicArn: { anyOf: [{ type: 'string' }, { type: 'object' }] } },
          required: ['topicArn'],
          additionalProperties: false,
        },
      },
    });
    this.hooks = { 'after:package:compileEvents': () => this.addAlarms() };
  }

  addAlarms() {
    const { service } = this.serverless;
    const topicArn = service.custom?.functionAlarms?.topicArn;
    if (topicArn === undefined || topicArn === '')
      throw new this.serverless.classes.Error(
        'function-alarms: set custom.functionAlarms.topicArn to the stage alarm topic (${param:alarmTopicArn})',
      );
    const naming = this.serverless.getProvider('aws').naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    for (const functionKey of service.getAllFunctions()) {
      const definition = service.getFunction(functionKey);
      const logicalId = naming.getLambdaLogicalId(functionKey);
      const alarm = (suffix, properties) => {
        resources[`${logicalId}${suffix}Alarm`] = {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: `${definition.name}-${suffix.toLowerCase()}`,
            Namespace: 'AWS/Lambda',
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId } }],
            Period: PERIOD_SECONDS,
            EvaluationPeriods: 1,
            TreatMissingData: 'notBreaching',
            AlarmActions: [topicArn],
            ...properties,
          },
        };
      };
      alarm('Errors', {
        AlarmDescription: `${definition.name} failed an invocation`,
        MetricName: 'Errors',
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      alarm('Throttles', {
        AlarmDescription: `${definition.name} was throttled (concurrency or account limits)`,
        MetricName: 'Throttles',
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      if ((definition.events ?? []).some((event) => event.stream !== undefined))
        alarm('IteratorAge', {
          AlarmDescription: `${definition.name} is more than ${ITERATOR_AGE_THRESHOLD_MS / 60_000} minutes behind its stream`,
          MetricName: 'IteratorAge',
          Statistic: 'Maximum',
          Threshold: ITERATOR_AGE_THRESHOLD_MS,
          ComparisonOperator: 'GreaterThanThreshold',
        });
    }
  }
}

module.exports = FunctionAlarms;
