import { createServer } from 'node:net';
import {
  INVALID_RECORDS_PREFIX,
  invalidRecordKey,
  readInvalidRecordObject,
  type InvalidRecordObject,
} from '@retail/adapters';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { TestS3 } from './raw-events-firehose';

/** The invalid-record objects the stream consumers wrote to a failed-records bucket, by key. */
export async function invalidRecordObjects(s3: TestS3, bucket: string): Promise<Map<string, InvalidRecordObject>> {
  const objects = new Map<string, InvalidRecordObject>();
  for (const key of await s3.keys(bucket, INVALID_RECORDS_PREFIX)) {
    const object = readInvalidRecordObject(JSON.parse((await s3.content(bucket, key)).toString('utf8')));
    if (object === undefined) throw new Error(`s3://${bucket}/${key} is not an invalid-record object`);
    objects.set(key, object);
  }
  return objects;
}

/**
 * The invalid-record objects kept for these records (matched by the whole record), in the records' order; throws if
 * one is not under the key the consumers give it.
 */
export async function invalidRecordObjectsOf(
  s3: TestS3,
  bucket: string,
  records: readonly KinesisStreamRecord[],
): Promise<InvalidRecordObject[]> {
  const kept = [...(await invalidRecordObjects(s3, bucket)).entries()];
  return records.flatMap((record) => {
    const found = kept.filter(([, object]) => JSON.stringify(object.record) === JSON.stringify(record));
    for (const [key, object] of found) {
      if (key !== invalidRecordKey(object.functionName, record))
        throw new Error(`the invalid record ${record.eventID} is at ${key}, not at its own key`);
    }
    return found.map(([, object]) => object);
  });
}

/** A loopback address where nothing listens: a store that does not answer (ECONNREFUSED). */
export async function unansweredEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return `http://127.0.0.1:${port}`;
}
