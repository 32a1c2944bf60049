import { DeleteObjectsCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import { emptyBucket } from '../../src/deploy/empty-stack-buckets';

// A bucket of versions and delete markers, as S3 lists them: at most `pageSize` a page, deletes that really delete.
function fakeS3(keys: number, pageSize: number, refuse?: string) {
  let objects = Array.from({ length: keys }, (_, i) => ({ Key: `k${i}`, VersionId: `v${i}` }));
  const send = jest.fn(async (command: unknown) => {
    if (command instanceof ListObjectVersionsCommand) {
      const page = objects.slice(0, pageSize);
      return {
        Versions: page.slice(0, Math.ceil(page.length / 2)),
        DeleteMarkers: page.slice(Math.ceil(page.length / 2)),
      };
    }
    if (command instanceof DeleteObjectsCommand) {
      const asked = command.input.Delete?.Objects ?? [];
      if (refuse) return { Errors: [{ Key: asked[0]?.Key, Code: 'AccessDenied', Message: refuse }] };
      objects = objects.filter((o) => !asked.some((a) => a.Key === o.Key && a.VersionId === o.VersionId));
      return {};
    }
    throw new Error('unexpected command');
  });
  return { s3: { send } as unknown as S3Client, send, left: () => objects.length };
}

describe('emptyBucket, before `npm run remove` deletes the stack', () => {
  it('deletes every version and delete marker, a page at a time', async () => {
    const bucket = fakeS3(2_345, 1_000);
    await expect(emptyBucket(bucket.s3, 'retail-dev-raw-events-123')).resolves.toBe(2_345);
    expect(bucket.left()).toBe(0);
    expect(bucket.send.mock.calls.filter(([c]) => c instanceof DeleteObjectsCommand)).toHaveLength(3);
  });

  it('says which bucket refused and what to do', async () => {
    const bucket = fakeS3(3, 1_000, 'denied by policy');
    await expect(emptyBucket(bucket.s3, 'retail-dev-raw-events-123')).rejects.toThrow(
      /could not empty s3:\/\/retail-dev-raw-events-123: 1 object\(s\) refused, first k0 \(AccessDenied: denied by policy\).*run remove again/,
    );
  });
});
