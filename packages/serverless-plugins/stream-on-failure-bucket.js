'use strict';

/**
 * Lets a `stream` event name an S3 bucket as its on-failure destination: `onFailureBucketArn: <bucket ARN>`.
 * Lambda sends a Kinesis or DynamoDB stream batch it gives up on to SNS, SQS or S3, but osls 4.3.1 compiles only SNS
 * and SQS destinations (`destinations.onFailure`), so after osls has compiled the event source mapping this plugin
 * sets its DestinationConfig. The execution role still needs s3:PutObject and s3:ListBucket on the bucket.
 */
class StreamOnFailureBucket {
  constructor(serverless) {
    this.serverless = serverless;
    serverless.configSchemaHandler.defineFunctionEventProperties('aws', 'stream', {
      properties: {
        onFailureBucketArn: { anyOf: [{ type: 'string', pattern: '^arn:[^:]+:s3:::' }, { type: 'object' }] },
      },
    });
    this.hooks = { 'after:package:compileEvents': () => this.setOnFailureBuckets() };
  }

  setOnFailureBuckets() {
    const { service } = this.serverless;
    const naming = this.serverless.getProvider('aws').naming;
    const resources = Object.values(service.provider.compiledCloudFormationTemplate.Resources);
    for (const functionName of service.getAllFunctions()) {
      const functionLogicalId = naming.getLambdaLogicalId(functionName);
      for (const event of service.getFunction(functionName).events ?? []) {
        const stream = event.stream;
        if (!stream || stream.onFailureBucketArn === undefined) continue;
        if (stream.destinations)
          throw this.error(
            `function ${functionName}: a stream event takes destinations.onFailure or onFailureBucketArn, not both`,
          );
        const mapping = resources.find(
          (resource) =>
            resource.Type === 'AWS::Lambda::EventSourceMapping' &&
            JSON.stringify(resource.Properties.EventSourceArn) === JSON.stringify(stream.arn) &&
            JSON.stringify(resource.Properties.FunctionName).includes(JSON.stringify(functionLogicalId)),
        );
        if (!mapping)
          throw this.error(
            `function ${functionName}: no event source mapping found for the stream ${JSON.stringify(stream.arn)}`,
          );
        mapping.Properties.DestinationConfig = { OnFailure: { Destination: stream.onFailureBucketArn } };
      }
    }
  }

  error(message) {
    return new this.serverless.classes.Error(`stream-on-failure-bucket: ${message}`);
  }
}

module.exports = StreamOnFailureBucket;
