import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from './aws-clients';
import {
  bucketNameOfArn,
  invalidRecordKey,
  invalidRecordObject,
  type FailedRecords,
  type InvalidRecord,
} from './failed-records';
import { mapWithConcurrency } from './map-with-concurrency';

// A batch rarely holds more than a few invalid records; a few puts in flight keep a batch of them quick.
const PUTS_IN_FLIGHT = 8;

/** The failed-records bucket on S3: one object per invalid record (failed-records.ts names the keys). */
export class S3FailedRecords implements FailedRecords {
  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    private readonly bucket: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The bucket a function is given by its ARN (the on-failure destination's), with a client from the SDK's chain. */
  static ofBucketArn(bucketArn: string): S3FailedRecords {
    return new S3FailedRecords(createS3Client(), bucketNameOfArn(bucketArn));
  }

  async keepInvalid(functionName: string, records: readonly InvalidRecord[]): Promise<Map<string, string>> {
    const notKept = new Map<string, string>();
    await mapWithConcurrency(records, PUTS_IN_FLIGHT, async (invalid) => {
      try {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: invalidRecordKey(functionName, invalid.record),
            Body: JSON.stringify(invalidRecordObject(functionName, invalid, this.now())),
            ContentType: 'application/json',
          }),
        );
      } catch (error) {
        // Whatever S3 answered, the record is not kept: it is retried with the batch, never dropped.
        notKept.set(
          invalid.record.kinesis.sequenceNumber,
          `not kept in s3://${this.bucket}: ${(error as Error).message}`,
        );
      }
    });
    return notKept;
  }
}
