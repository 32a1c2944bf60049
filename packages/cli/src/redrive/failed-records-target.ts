import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { ListBucketsCommand, type S3Client } from '@aws-sdk/client-s3';
import { createKinesisClient, createS3Client, type AwsClientSettings } from '@retail/adapters';
import {
  createLocalAwsClients,
  declaredBuckets,
  readPlatformTemplate,
  type PlatformTemplate,
  type StackFile,
} from '@retail/local-platform';
import { pickDeployedBucket } from '../reconcile/reconcile-targets';

/** The failed-records bucket of a platform and the clients that read it and put records back on its stream. */
export interface FailedRecordsTarget {
  /** Where it is, for the summary's heading. */
  platform: string;
  bucket: string;
  s3: S3Client;
  kinesis: KinesisClient;
  close(): void;
}

// The bucket as resources/s3.yml declares it: the one the stream consumers' on-failure destination names.
const FAILED_RECORDS_BUCKET = 'FailedRecordsBucket';
// Stands for the account in a name resolved without one: a deployed bucket's name ends in its account id.
const ACCOUNT_ID = '${AWS::AccountId}';

/** The bucket of a running local platform, from its stack file, with clients of its emulators. */
export function failedRecordsOfLocalStack(stack: StackFile): FailedRecordsTarget {
  const bucket = stack.resources.buckets[FAILED_RECORDS_BUCKET];
  if (bucket === undefined)
    throw new Error(`the stack file lists no ${FAILED_RECORDS_BUCKET}: restart the platform with \`npm start\``);
  const clients = createLocalAwsClients(stack.endpoints, stack.region);
  return {
    platform: `the local platform (stage ${stack.stage})`,
    bucket: bucket.name,
    s3: clients.s3,
    kinesis: clients.kinesis,
    close: () => clients.destroy(),
  };
}

/** The template's failed-records bucket name, `${AWS::AccountId}` standing for the account. */
export function declaredFailedRecordsBucket(template: PlatformTemplate): string {
  const bucket = declaredBuckets(template, ACCOUNT_ID).find(
    (candidate) => candidate.logicalId === FAILED_RECORDS_BUCKET,
  );
  if (bucket === undefined) throw new Error(`${template.service} declares no ${FAILED_RECORDS_BUCKET}`);
  return bucket.name;
}

/**
 * The bucket of a deployed stage: its name as the stage's template declares it, the account's part found with
 * ListBuckets (as reconcile finds the raw bucket); clients from the SDK's own chain (AWS_PROFILE, AWS_REGION...).
 */
export async function failedRecordsOfDeployedStage(
  stage: string,
  options: { template?: PlatformTemplate; clients?: AwsClientSettings } = {},
): Promise<FailedRecordsTarget> {
  const s3 = createS3Client(options.clients);
  const kinesis = createKinesisClient(options.clients);
  const close = () => {
    s3.destroy();
    kinesis.destroy();
  };
  try {
    const declared = declaredFailedRecordsBucket(options.template ?? (await readPlatformTemplate(stage)));
    const [prefix = '', ...rest] = declared.split(ACCOUNT_ID);
    const escape = (part: string) => part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
    const pattern = new RegExp(`^${[prefix, ...rest].map(escape).join('\\d{12}')}$`);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListBucketsCommand({ Prefix: prefix, ContinuationToken: token }));
      names.push(...(page.Buckets ?? []).flatMap((bucket) => (bucket.Name === undefined ? [] : [bucket.Name])));
      token = page.ContinuationToken;
    } while (token !== undefined);
    return { platform: `stage ${stage} on AWS`, bucket: pickDeployedBucket(names, pattern, stage), s3, kinesis, close };
  } catch (error) {
    close();
    throw error;
  }
}
