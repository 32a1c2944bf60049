// Security rules as plain code, over every packaged stack (the validator's guard rules gave false positives).
import type { CloudFormationResource, PackagedStack } from '../deploy/package-stacks';
import type { TemplateFinding } from './template-findings';
import { asList, valueText } from './template-values';

type Properties = Record<string, unknown>;
interface Rule {
  rule: string;
  types: readonly string[];
  /** What is wrong with the resource, or undefined when it passes. */
  check(properties: Properties, logicalId: string, stack: PackagedStack): string | undefined;
}

const ALL_BLOCKED = {
  BlockPublicAcls: true,
  BlockPublicPolicy: true,
  IgnorePublicAcls: true,
  RestrictPublicBuckets: true,
};
// The methods a browser may read without a key, each with why: they hold no data.
const METHODS_WITHOUT_API_KEY: readonly { method: RegExp; reason: string }[] = [
  { method: /^ApiGatewayMethodOpenapijsonGet$/, reason: 'the contract itself (GET /openapi.json)' },
  {
    method: /^ApiGatewayMethodDashboard(AssetVar)?Get$/,
    reason: 'the dashboard page and its script: every figure they show comes from the key-protected routes',
  },
];
// Environment variables whose literal values would be credentials in the template.
const SECRET_LOOKING_NAME = /PASSWORD|SECRET(?!_?ARN|_?ID)|TOKEN|API_?KEY|CREDENTIAL/i;

const get = (value: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>(
    (inner, key) => (inner && typeof inner === 'object' ? (inner as Properties)[key] : undefined),
    value,
  );

const referencesOf = (value: unknown): string[] =>
  valueText(value)
    .match(/\$\{([^}.:]+)[}.]/g)
    ?.map((m) => m.slice(2, -1)) ?? [];

function resourcesOfType(stack: PackagedStack, type: string): [string, CloudFormationResource][] {
  return Object.entries(stack.template.Resources).filter(([, resource]) => resource.Type === type);
}

function isTlsOnlyStatement(statement: Properties): boolean {
  const secure = get(statement, 'Condition', 'Bool', 'aws:SecureTransport');
  return (
    statement.Effect === 'Deny' &&
    valueText(statement.Principal) === '*' &&
    asList(statement.Action).map(valueText).includes('s3:*') &&
    (secure === false || secure === 'false') &&
    asList(statement.Resource).length >= 2
  );
}

function ingressRules(stack: PackagedStack, groupId: string): Properties[] {
  const group = stack.template.Resources[groupId];
  const inline = asList(group?.Properties?.SecurityGroupIngress) as Properties[];
  const separate = resourcesOfType(stack, 'AWS::EC2::SecurityGroupIngress')
    .filter(([, resource]) => referencesOf(resource.Properties?.GroupId).includes(groupId))
    .map(([, resource]) => resource.Properties ?? {});
  return [...inline, ...separate];
}

const RULES: readonly Rule[] = [
  {
    rule: 'security/kinesis-encryption',
    types: ['AWS::Kinesis::Stream'],
    check: (p) =>
      get(p, 'StreamEncryption', 'EncryptionType') === 'KMS'
        ? undefined
        : 'the stream is not encrypted at rest: set StreamEncryption EncryptionType KMS',
  },
  {
    rule: 'security/dynamodb-encryption',
    types: ['AWS::DynamoDB::Table'],
    check: (p) =>
      get(p, 'SSESpecification', 'SSEEnabled') === true
        ? undefined
        : 'set SSESpecification SSEEnabled: true (KMS encryption at rest)',
  },
  {
    rule: 'security/dynamodb-point-in-time-recovery',
    types: ['AWS::DynamoDB::Table'],
    check: (p) =>
      get(p, 'PointInTimeRecoverySpecification', 'PointInTimeRecoveryEnabled') === true
        ? undefined
        : 'point-in-time recovery is off: set PointInTimeRecoverySpecification PointInTimeRecoveryEnabled: true',
  },
  {
    rule: 'security/s3-encryption',
    types: ['AWS::S3::Bucket'],
    check: (p) =>
      get(p, 'BucketEncryption', 'ServerSideEncryptionConfiguration')
        ? undefined
        : 'no BucketEncryption: set SSE (AES256 or aws:kms)',
  },
  {
    rule: 'security/s3-public-access-blocked',
    types: ['AWS::S3::Bucket'],
    check: (p) =>
      JSON.stringify(p.PublicAccessBlockConfiguration) === JSON.stringify(ALL_BLOCKED) ||
      Object.entries(ALL_BLOCKED).every(([key]) => get(p, 'PublicAccessBlockConfiguration', key) === true)
        ? undefined
        : 'public access is not blocked: set all four PublicAccessBlockConfiguration flags to true',
  },
  {
    rule: 'security/s3-tls-only',
    types: ['AWS::S3::Bucket'],
    check: (_p, logicalId, stack) =>
      resourcesOfType(stack, 'AWS::S3::BucketPolicy').some(
        ([, policy]) =>
          referencesOf(policy.Properties?.Bucket).includes(logicalId) &&
          (asList(get(policy.Properties, 'PolicyDocument', 'Statement')) as Properties[]).some(isTlsOnlyStatement),
      )
        ? undefined
        : `no bucket policy denies plain HTTP: add an AWS::S3::BucketPolicy on ${logicalId} denying s3:* when aws:SecureTransport is false`,
  },
  {
    rule: 'security/firehose-encryption',
    types: ['AWS::KinesisFirehose::DeliveryStream'],
    check: (p, _id, stack) => {
      if (p.DeliveryStreamType !== 'KinesisStreamAsSource')
        return p.DeliveryStreamEncryptionConfigurationInput
          ? undefined
          : 'a DirectPut stream must set DeliveryStreamEncryptionConfigurationInput';
      // AWS refuses server-side encryption on a Kinesis-sourced stream: its records are encrypted in the source stream.
      const [source] = referencesOf(get(p, 'KinesisStreamSourceConfiguration', 'KinesisStreamARN'));
      const stream = source ? stack.template.Resources[source] : undefined;
      return get(stream?.Properties, 'StreamEncryption', 'EncryptionType') === 'KMS'
        ? undefined
        : 'a Kinesis-sourced delivery stream is encrypted by its source stream, which must be a KMS-encrypted stream of this stack';
    },
  },
  {
    rule: 'security/redshift-encryption',
    types: ['AWS::RedshiftServerless::Namespace'],
    check: (p) =>
      p.KmsKeyId ? undefined : "the namespace has no KmsKeyId: encrypt it with the stack's customer-managed key",
  },
  {
    rule: 'security/secrets-manager-only',
    types: ['AWS::RedshiftServerless::Namespace'],
    check: (p) =>
      p.ManageAdminPassword === true && p.AdminUserPassword === undefined
        ? undefined
        : 'the admin password must be generated and kept by Secrets Manager: ManageAdminPassword true, no AdminUserPassword',
  },
  {
    rule: 'security/secrets-encryption',
    types: ['AWS::SecretsManager::Secret'],
    check: (p) => (p.KmsKeyId ? undefined : 'the secret has no KmsKeyId: encrypt it with a customer-managed key'),
  },
  {
    rule: 'security/secrets-manager-only',
    types: ['AWS::SecretsManager::Secret'],
    check: (p) =>
      p.SecretString === undefined && p.GenerateSecretString !== undefined
        ? undefined
        : "the secret's value is in the template: let Secrets Manager generate it (GenerateSecretString)",
  },
  {
    rule: 'security/secrets-manager-only',
    types: ['AWS::Lambda::Function'],
    check: (p) => {
      const variables = Object.entries((get(p, 'Environment', 'Variables') ?? {}) as Properties);
      const literal = variables.filter(([name, value]) => SECRET_LOOKING_NAME.test(name) && typeof value === 'string');
      return literal.length === 0
        ? undefined
        : `environment ${literal.map(([name]) => name).join(', ')} holds a literal credential: pass a Secrets Manager ARN and read it at run time`;
    },
  },
  {
    rule: 'security/secrets-manager-only',
    types: ['AWS::ApiGateway::ApiKey'],
    check: (p) =>
      p.Value === undefined
        ? undefined
        : "the API key's value is in the template: leave Value unset so API Gateway generates it",
  },
  {
    rule: 'security/secrets-manager-only',
    types: ['AWS::Glue::Connection'],
    check: (p) =>
      get(p, 'ConnectionInput', 'ConnectionProperties', 'PASSWORD') === undefined
        ? undefined
        : 'the connection holds a PASSWORD: use SECRET_ID (Secrets Manager)',
  },
  {
    rule: 'security/secrets-manager-only',
    types: ['AWS::KinesisFirehose::DeliveryStream'],
    check: (p) =>
      p.RedshiftDestinationConfiguration === undefined ||
      (get(p, 'RedshiftDestinationConfiguration', 'Password') === undefined &&
        get(p, 'RedshiftDestinationConfiguration', 'SecretsManagerConfiguration', 'Enabled') === true)
        ? undefined
        : 'the Redshift destination must sign in through SecretsManagerConfiguration, with no Password',
  },
  {
    rule: 'security/api-key-required',
    types: ['AWS::ApiGateway::Method'],
    check: (p, logicalId) =>
      p.HttpMethod === 'OPTIONS' ||
      METHODS_WITHOUT_API_KEY.some(({ method }) => method.test(logicalId)) ||
      p.ApiKeyRequired === true
        ? undefined
        : 'the method answers without an API key: mark its http event private: true',
  },
  {
    rule: 'security/throttled-usage-plan',
    types: ['AWS::ApiGateway::RestApi'],
    check: (_p, _id, stack) => {
      const plans = resourcesOfType(stack, 'AWS::ApiGateway::UsagePlan');
      if (plans.length === 0 || resourcesOfType(stack, 'AWS::ApiGateway::ApiKey').length === 0)
        return 'the API has no API key under a usage plan: set provider.apiGateway apiKeys and usagePlan';
      const unthrottled = plans.filter(
        ([, plan]) =>
          !(get(plan.Properties, 'Throttle', 'RateLimit') && get(plan.Properties, 'Throttle', 'BurstLimit')),
      );
      return unthrottled.length === 0
        ? undefined
        : `usage plan ${unthrottled.map(([id]) => id).join(', ')} has no Throttle RateLimit and BurstLimit`;
    },
  },
  {
    rule: 'security/redshift-firehose-only',
    types: ['AWS::RedshiftServerless::Workgroup'],
    check: (p, _id, stack) => {
      const problems: string[] = [];
      if (
        !asList(p.ConfigParameters).some(
          (c) => get(c, 'ParameterKey') === 'require_ssl' && get(c, 'ParameterValue') === 'true',
        )
      )
        problems.push('set ConfigParameters require_ssl true');
      for (const groupId of asList(p.SecurityGroupIds).flatMap(referencesOf)) {
        for (const rule of ingressRules(stack, groupId)) {
          const fromFirehoseBlock = valueText(rule.CidrIp).includes('FirehoseCidrBlocks');
          const fromGroup = rule.SourceSecurityGroupId !== undefined;
          if ((!fromFirehoseBlock && !fromGroup) || rule.CidrIpv6 !== undefined)
            problems.push(
              `${groupId} admits ${valueText(rule.CidrIp ?? rule.CidrIpv6)}: only Firehose's block (Mappings FirehoseCidrBlocks) or a security group may reach the warehouse`,
            );
          else if (rule.FromPort !== 5439 || rule.ToPort !== 5439)
            problems.push(
              `${groupId} opens ports ${String(rule.FromPort)}-${String(rule.ToPort)}: the warehouse needs 5439 only`,
            );
        }
      }
      return problems.length === 0 ? undefined : problems.join('; ');
    },
  },
  {
    rule: 'security/no-world-ingress',
    types: ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress'],
    check: (p) => {
      const rules = p.SecurityGroupIngress ? (asList(p.SecurityGroupIngress) as Properties[]) : p.IpProtocol ? [p] : [];
      const open = rules.filter((rule) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0');
      return open.length === 0
        ? undefined
        : 'admits the whole internet (0.0.0.0/0 or ::/0): name the blocks or groups that may connect';
    },
  },
  {
    rule: 'security/sns-encryption',
    types: ['AWS::SNS::Topic'],
    check: (p) =>
      p.KmsMasterKeyId ? undefined : "the topic is not encrypted at rest: set KmsMasterKeyId (the stack's key)",
  },
  {
    rule: 'security/log-retention',
    types: ['AWS::Lambda::Function'],
    check: (p, _id, stack) => {
      // Without a declared group, Lambda creates /aws/lambda/<name> on first call and keeps its logs forever.
      const name = valueText(p.FunctionName);
      const declared = resourcesOfType(stack, 'AWS::Logs::LogGroup').some(
        ([groupId, group]) =>
          valueText(group.Properties?.LogGroupName) === `/aws/lambda/${name}` ||
          referencesOf(get(p, 'LoggingConfig', 'LogGroup')).includes(groupId),
      );
      return declared
        ? undefined
        : `no log group of this stack receives the function's logs: declare /aws/lambda/${name} with RetentionInDays`;
    },
  },
  {
    rule: 'security/log-retention',
    types: ['AWS::Logs::LogGroup'],
    check: (p) =>
      typeof p.RetentionInDays === 'number' ? undefined : 'the log group keeps logs forever: set RetentionInDays',
  },
];

export function checkSecurityRules(stacks: readonly PackagedStack[]): TemplateFinding[] {
  const findings: TemplateFinding[] = [];
  for (const stack of stacks)
    for (const [logicalId, resource] of Object.entries(stack.template.Resources))
      for (const rule of RULES.filter((candidate) => candidate.types.includes(resource.Type))) {
        const problem = rule.check(resource.Properties ?? {}, logicalId, stack);
        if (problem) findings.push({ stack: stack.stackName, resource: logicalId, rule: rule.rule, message: problem });
      }
  return findings;
}
