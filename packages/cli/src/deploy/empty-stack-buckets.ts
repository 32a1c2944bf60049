// Before `sls remove`: CloudFormation cannot delete a bucket that holds objects, so every bucket the stack will delete
// is emptied first (every version). Buckets the stack retains (prod's data) are never touched, nor osls's deployment
// bucket, which `sls remove` empties itself.
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationTemplate } from './package-stacks';

const KEPT_ON_DELETE = ['Retain', 'RetainExceptOnCreate'];
// DeleteObjects takes at most 1,000 keys; ListObjectVersions returns at most 1,000 a page.
const DELETE_BATCH = 1_000;

/** The logical ids of the buckets a stack deletes with itself, which must be empty by then. */
export function bucketsEmptiedBeforeRemove(template: CloudFormationTemplate): string[] {
  return Object.entries(template.Resources)
    .filter(
      ([logicalId, resource]) =>
        resource.Type === 'AWS::S3::Bucket' &&
        logicalId !== 'ServerlessDeploymentBucket' &&
        !KEPT_ON_DELETE.includes(resource.DeletionPolicy ?? 'Delete'),
    )
    .map(([logicalId]) => logicalId);
}

/** Deletes every object version and delete marker of a bucket; returns how many it deleted. */
export async function emptyBucket(s3: S3Client, bucket: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    // Always the first page: what the last round deleted is gone, so the next page starts at the top again.
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: DELETE_BATCH }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map(({ Key, VersionId }) => ({
      Key,
      VersionId,
    }));
    if (objects.length === 0) return deleted;
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }),
    );
    if (result.Errors && result.Errors.length > 0) {
      const [first] = result.Errors;
      throw new Error(
        `could not empty s3://${bucket}: ${result.Errors.length} object(s) refused, first ${first?.Key ?? '?'} (${first?.Code ?? '?'}: ${first?.Message ?? ''}); check the bucket policy and your permissions, then run remove again`,
      );
    }
    deleted += objects.length;
  }
}

/** Empties the buckets `stackName` will delete. A stack that does not exist (removed already) has none. */
export async function emptyStackBuckets(
  stackName: string,
  clients: { cloudFormation: CloudFormationClient; s3: S3Client },
  log: (line: string) => void,
): Promise<void> {
  let template: CloudFormationTemplate;
  try {
    const { TemplateBody } = await clients.cloudFormation.send(
      new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Processed' }),
    );
    template = JSON.parse(TemplateBody ?? '{"Resources":{}}') as CloudFormationTemplate;
  } catch (error) {
    if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) return;
    throw error;
  }
  const toEmpty = bucketsEmptiedBeforeRemove(template);
  if (toEmpty.length === 0) return;
  const { StackResources = [] } = await clients.cloudFormation.send(
    new DescribeStackResourcesCommand({ StackName: stackName }),
  );
  for (const logicalId of toEmpty) {
    const bucket = StackResources.find((resource) => resource.LogicalResourceId === logicalId)?.PhysicalResourceId;
    if (bucket === undefined) continue; // never created (a failed first deploy)
    log(
      `emptying s3://${bucket} (${logicalId}) before the stack deletes it: ${await emptyBucket(clients.s3, bucket)} object(s)`,
    );
  }
}
