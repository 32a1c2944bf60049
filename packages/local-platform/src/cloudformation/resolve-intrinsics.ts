import { isJsonObject, type JsonObject } from '../json-object';

export interface CloudFormationResource {
  Type: string;
  Properties?: JsonObject;
}

export type CloudFormationResources = Record<string, CloudFormationResource>;

/** What CloudFormation would know when it resolves the template: where, for whom, and the template's resources. */
export interface IntrinsicContext {
  region: string;
  accountId: string;
  stackName: string;
  resources: CloudFormationResources;
  partition?: string;
}

interface NamedResourceType {
  /** The property holding the name; dotted for a nested one (Glue's `DatabaseInput.Name`). */
  nameProperty: string;
  arn: (name: string, context: Required<IntrinsicContext>) => string;
  /** A stand-in for the name CloudFormation generates when none is declared; absent: a name must be declared. */
  undeclaredName?: (logicalId: string, context: Required<IntrinsicContext>) => string;
  /** Ref gives the ARN, not the name (an SNS topic's). */
  refIsArn?: boolean;
}

// The resource types whose physical name (Ref) and ARN (Fn::GetAtt Arn) the local platform derives as CloudFormation does.
const NAMED_RESOURCE_TYPES: Readonly<Record<string, NamedResourceType>> = {
  'AWS::Kinesis::Stream': {
    nameProperty: 'Name',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:kinesis:${region}:${accountId}:stream/${name}`,
  },
  'AWS::DynamoDB::Table': {
    nameProperty: 'TableName',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`,
  },
  'AWS::S3::Bucket': {
    nameProperty: 'BucketName',
    arn: (name, { partition }) => `arn:${partition}:s3:::${name}`,
  },
  'AWS::KinesisFirehose::DeliveryStream': {
    nameProperty: 'DeliveryStreamName',
    arn: (name, { partition, region, accountId }) =>
      `arn:${partition}:firehose:${region}:${accountId}:deliverystream/${name}`,
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:logs:${region}:${accountId}:log-group:${name}:*`,
  },
  'AWS::Glue::Database': {
    nameProperty: 'DatabaseInput.Name',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:glue:${region}:${accountId}:database/${name}`,
  },
  'AWS::Glue::Crawler': {
    nameProperty: 'Name',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:glue:${region}:${accountId}:crawler/${name}`,
  },
  'AWS::Glue::Job': {
    nameProperty: 'Name',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:glue:${region}:${accountId}:job/${name}`,
  },
  'AWS::Glue::Connection': {
    nameProperty: 'ConnectionInput.Name',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:glue:${region}:${accountId}:connection/${name}`,
  },
  'AWS::Glue::Workflow': {
    nameProperty: 'Name',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:glue:${region}:${accountId}:workflow/${name}`,
  },
  'AWS::Glue::Trigger': {
    nameProperty: 'Name',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:glue:${region}:${accountId}:trigger/${name}`,
  },
  // The alarm topic (resources/alarms.yml): nothing publishes to it locally, but the failed-records bucket names it.
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    arn: (name, { partition, region, accountId }) => `arn:${partition}:sns:${region}:${accountId}:${name}`,
    refIsArn: true,
  },
  // The warehouse users' secrets (the local Data API signs in as their user): AWS ends the ARN with six random
  // characters after a hyphen; locally they are fixed.
  'AWS::SecretsManager::Secret': {
    nameProperty: 'Name',
    arn: (name, { partition, region, accountId }) =>
      `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${name}-local0`,
    refIsArn: true,
  },
  // Ref gives the workgroup's name (the schedule's Data API call names it); AWS's ARN holds an id, the local one the name.
  'AWS::RedshiftServerless::Workgroup': {
    nameProperty: 'WorkgroupName',
    arn: (name, { partition, region, accountId }) =>
      `arn:${partition}:redshift-serverless:${region}:${accountId}:workgroup/${name}`,
  },
  // Nothing runs under a role locally: a generated role name only has to be stable.
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    arn: (name, { partition, accountId }) => `arn:${partition}:iam::${accountId}:role/${name}`,
    undeclaredName: (logicalId, { stackName }) => `${stackName}-${logicalId}`,
  },
};

export const SUPPORTED_INTRINSICS = ['Ref', 'Fn::Sub', 'Fn::GetAtt', 'Fn::Join'] as const;

// Marks a value that resolved to AWS::NoValue: the property disappears, as in CloudFormation.
const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Resolves Ref, Fn::Sub, Fn::GetAtt (Arn), Fn::Join and the pseudo parameters in a template value the way
 * CloudFormation would on deploy, so the local platform creates what AWS would.
 */
export function resolveIntrinsics(value: unknown, context: IntrinsicContext): unknown {
  const resolved = new IntrinsicResolver({ partition: 'aws', ...context }).resolve(value, []);
  return resolved === NO_VALUE ? undefined : resolved;
}

/** The physical name CloudFormation gives a resource (what `Ref` returns for the named resource types). */
export function physicalNameOf(logicalId: string, context: IntrinsicContext): string {
  return new IntrinsicResolver({ partition: 'aws', ...context }).physicalName(logicalId, []);
}

/** What `Fn::GetAtt [logicalId, Arn]` returns. */
export function arnOf(logicalId: string, context: IntrinsicContext): string {
  return new IntrinsicResolver({ partition: 'aws', ...context }).getAtt(logicalId, 'Arn', []);
}

class IntrinsicResolver {
  constructor(private readonly context: Required<IntrinsicContext>) {}

  resolve(value: unknown, path: string[]): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolve(item, path)).filter((item) => item !== NO_VALUE);
    }
    if (!isJsonObject(value)) return value;
    const keys = Object.keys(value);
    const [onlyKey] = keys;
    if (keys.length === 1 && onlyKey !== undefined && (onlyKey === 'Ref' || onlyKey.startsWith('Fn::'))) {
      return this.resolveFunction(onlyKey, value[onlyKey], path);
    }
    const resolved: JsonObject = {};
    for (const [key, item] of Object.entries(value)) {
      const resolvedItem = this.resolve(item, path);
      if (resolvedItem !== NO_VALUE) resolved[key] = resolvedItem;
    }
    return resolved;
  }

  physicalName(logicalId: string, path: string[]): string {
    const resource = this.resource(logicalId, 'Ref');
    const type = NAMED_RESOURCE_TYPES[resource.Type];
    if (type === undefined) {
      throw new Error(
        `Ref ${logicalId}: the local platform cannot name a ${resource.Type} (it knows ${Object.keys(NAMED_RESOURCE_TYPES).join(', ')}).`,
      );
    }
    if (path.includes(logicalId)) {
      throw new Error(`Ref ${logicalId}: its name refers to itself (${[...path, logicalId].join(' -> ')}).`);
    }
    const declared = type.nameProperty
      .split('.')
      .reduce<unknown>((value, key) => (isJsonObject(value) ? value[key] : undefined), resource.Properties);
    const name =
      declared === undefined && type.undeclaredName
        ? type.undeclaredName(logicalId, this.context)
        : this.resolve(declared, [...path, logicalId]);
    if (typeof name !== 'string' || name === '') {
      throw new Error(
        `${logicalId} (${resource.Type}) has no ${type.nameProperty}: declare one, the local platform cannot know the name CloudFormation would generate.`,
      );
    }
    return name;
  }

  /** What Ref gives: the physical name, or the ARN for the types whose Ref is their ARN. */
  reference(logicalId: string, path: string[]): string {
    const name = this.physicalName(logicalId, path);
    const type = NAMED_RESOURCE_TYPES[this.resource(logicalId, 'Ref').Type]!;
    return type.refIsArn ? type.arn(name, this.context) : name;
  }

  getAtt(logicalId: string, attribute: string, path: string[]): string {
    const resource = this.resource(logicalId, 'Fn::GetAtt');
    const type = NAMED_RESOURCE_TYPES[resource.Type];
    if (attribute !== 'Arn' || type === undefined) {
      throw new Error(
        `Fn::GetAtt ${logicalId}.${attribute} (${resource.Type}) is not supported locally: only Arn of ${Object.keys(NAMED_RESOURCE_TYPES).join(', ')}.`,
      );
    }
    return type.arn(this.physicalName(logicalId, path), this.context);
  }

  private resolveFunction(name: string, argument: unknown, path: string[]): unknown {
    switch (name) {
      case 'Ref':
        if (typeof argument !== 'string')
          throw new Error(`Ref takes a logical id or pseudo parameter, got ${JSON.stringify(argument)}.`);
        return this.ref(argument, path);
      case 'Fn::GetAtt': {
        const [logicalId, attribute] =
          typeof argument === 'string' ? splitOnce(argument, '.') : (argument as unknown[]);
        if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
          throw new Error(
            `Fn::GetAtt takes [logicalId, attribute] or "logicalId.attribute", got ${JSON.stringify(argument)}.`,
          );
        }
        return this.getAtt(logicalId, attribute, path);
      }
      case 'Fn::Sub':
        return this.sub(argument, path);
      case 'Fn::Join': {
        const [delimiter, items] = Array.isArray(argument) ? argument : [];
        const resolvedItems = this.resolve(items, path);
        if (
          typeof delimiter !== 'string' ||
          !Array.isArray(resolvedItems) ||
          !resolvedItems.every((item) => typeof item === 'string')
        ) {
          throw new Error(`Fn::Join takes [delimiter, [strings]], got ${JSON.stringify(argument)}.`);
        }
        return resolvedItems.join(delimiter);
      }
      default:
        throw new Error(
          `${name} is not supported by the local platform (it resolves ${SUPPORTED_INTRINSICS.join(', ')}).`,
        );
    }
  }

  private ref(name: string, path: string[]): unknown {
    switch (name) {
      case 'AWS::AccountId':
        return this.context.accountId;
      case 'AWS::Region':
        return this.context.region;
      case 'AWS::Partition':
        return this.context.partition;
      case 'AWS::StackName':
        return this.context.stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::NoValue':
        return NO_VALUE;
      default:
        return this.reference(name, path);
    }
  }

  private sub(argument: unknown, path: string[]): string {
    const [template, variables] =
      typeof argument === 'string' ? [argument, {}] : Array.isArray(argument) ? argument : [];
    if (typeof template !== 'string' || !isJsonObject(variables)) {
      throw new Error(`Fn::Sub takes a string or [string, {variables}], got ${JSON.stringify(argument)}.`);
    }
    return template.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
      // ${!Literal} is CloudFormation's escape for a literal ${Literal}.
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      let value: unknown;
      if (expression in variables) value = this.resolve(variables[expression], path);
      else if (expression.includes('.')) value = this.getAtt(...splitOnce(expression, '.'), path);
      else value = this.ref(expression, path);
      if (typeof value !== 'string') throw new Error(`Fn::Sub "${template}": \${${expression}} is not a string.`);
      return value;
    });
  }

  private resource(logicalId: string, usedBy: string): CloudFormationResource {
    const resource = this.context.resources[logicalId];
    if (resource === undefined)
      throw new Error(`${usedBy} ${logicalId}: no such resource or pseudo parameter in the template.`);
    return resource;
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}
