import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, type ScalarTag } from 'yaml';
import type { KinesisSourcedDeliveryStreamConfig } from '../../../src/firehose';
import { LANDING_COLUMNS_FILE } from '../../../src/warehouse';

const RESOURCES = path.resolve(__dirname, '../../../../../resources');
const cloudFormationTags: ScalarTag[] = ['Ref', 'Sub', 'GetAtt', 'ImportValue'].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) => ({ [name === 'Ref' ? 'Ref' : `Fn::${name}`]: value }),
}));
// The sequence forms (!Join [...], !Sub [..., {...}]) appear only in properties the emulator ignores.
const sequenceTags = ['Join', 'Sub', 'GetAtt'].map((name) => ({
  tag: `!${name}`,
  collection: 'seq' as const,
  resolve: (value: unknown) => ({ [`Fn::${name}`]: value }),
}));

/**
 * The warehouse delivery stream exactly as resources/firehose-warehouse.yml declares it, resolved the way the local
 * platform resolves it for the given source stream and staging bucket (the osls `${file(...)}` included).
 */
export function warehouseDeliveryStream(options: {
  name: string;
  sourceStreamArn: string;
  stagingBucket: string;
}): KinesisSourcedDeliveryStreamConfig {
  const text = readFileSync(path.join(RESOURCES, 'firehose-warehouse.yml'), 'utf8').replace(
    '${file(resources/warehouse/landing-columns.yml):dataTableColumns}',
    (parse(readFileSync(LANDING_COLUMNS_FILE, 'utf8')) as { dataTableColumns: string }).dataTableColumns,
  );
  const template = parse(text, { customTags: [...cloudFormationTags, ...sequenceTags] }) as {
    Resources: { WarehouseDeliveryStream: { Properties: Record<string, Record<string, unknown>> } };
  };
  const properties = template.Resources.WarehouseDeliveryStream.Properties;
  const { RoleARN: _sourceRole, ...source } = properties.KinesisStreamSourceConfiguration!;
  const {
    ClusterJDBCURL: _url,
    RoleARN: _role,
    SecretsManagerConfiguration: _secret,
    CloudWatchLoggingOptions: _logging,
    S3Configuration: staging,
    CopyCommand: copy,
    ...destination
  } = properties.RedshiftDestinationConfiguration!;
  const {
    RoleARN: _stagingRole,
    CloudWatchLoggingOptions: _stagingLogging,
    ...stagingRead
  } = staging as Record<string, unknown>;
  const copyCommand = copy as Record<string, unknown>;
  const copyOptions = (copyCommand.CopyOptions as { 'Fn::Sub': string })['Fn::Sub'].replace(
    '${WarehouseStagingBucket}',
    options.stagingBucket,
  );
  return {
    name: options.name,
    arn: `arn:aws:firehose:eu-west-2:000000000000:deliverystream/${options.name}`,
    source: { ...source, KinesisStreamARN: options.sourceStreamArn },
    destination: {
      ...destination,
      CopyCommand: { ...copyCommand, CopyOptions: copyOptions },
      S3Configuration: { ...stagingRead, BucketARN: `arn:aws:s3:::${options.stagingBucket}` },
    },
  };
}
