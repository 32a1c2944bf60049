import { TEST_ACCOUNT_ID, TEST_STAGE } from '@retail/test-support';
import {
  declaredKinesisSourcedDeliveryStreams,
  readPlatformTemplateSync,
} from '../../../src/cloudformation/read-platform-template';
import type { KinesisSourcedDeliveryStreamConfig } from '../../../src/firehose';

/**
 * The warehouse delivery stream exactly as the platform template declares it (resources/firehose-warehouse.yml),
 * resolved by the platform's own reader, pointed at the given source stream and staging bucket.
 */
export function warehouseDeliveryStream(options: {
  name: string;
  sourceStreamArn: string;
  stagingBucket: string;
}): KinesisSourcedDeliveryStreamConfig {
  const declared = declaredKinesisSourcedDeliveryStreams(readPlatformTemplateSync(TEST_STAGE), TEST_ACCOUNT_ID).find(
    (stream) => stream.logicalId === 'WarehouseDeliveryStream',
  );
  if (declared === undefined) throw new Error('The platform template declares no WarehouseDeliveryStream.');
  const {
    CopyCommand: copy,
    S3Configuration: staging,
    ...destination
  } = declared.destination as {
    CopyCommand: { CopyOptions: string };
    S3Configuration: Record<string, unknown>;
  };
  return {
    name: options.name,
    arn: `arn:aws:firehose:eu-west-2:${TEST_ACCOUNT_ID}:deliverystream/${options.name}`,
    source: { ...declared.source, KinesisStreamARN: options.sourceStreamArn },
    destination: {
      ...destination,
      CopyCommand: { ...copy, CopyOptions: copy.CopyOptions.replaceAll(declared.bucket, options.stagingBucket) },
      S3Configuration: { ...staging, BucketARN: `arn:aws:s3:::${options.stagingBucket}` },
    },
  };
}
