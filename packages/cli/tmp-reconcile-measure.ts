// Scratch measurement (not committed): fills in-memory emulators with the first N lines of a file and times reconcile.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { lineItem, putItemsInBatches, summaryItem, DEFAULT_BATCH_PUT_RETRY } from '@retail/adapters';
import { startDynamoDbTestServer } from '@retail/adapters/test/support/dynamodb-test-table';
import { startTestS3, rawEventsDeliveryStream } from '@retail/local-platform/test/firehose/support/raw-events-firehose';
import { openCsvFile, readInvoiceLineCsv, readInvoiceLines, summariseInvoice, type InvoiceLineEvent } from '@retail/domain';
import { batchInvoiceLines, numberInvoiceLines } from './src/numbered-invoice-lines';
import { runReconcileCommand } from './src/reconcile';

async function main() {
  const [file, limitText] = process.argv.slice(2);
  const limit = Number(limitText ?? Infinity);
  const lines: InvoiceLineEvent[] = [];
  for await (const batch of batchInvoiceLines(numberInvoiceLines(readInvoiceLineCsv(openCsvFile(file!))), 1000)) {
    const read = readInvoiceLines(batch.map((r) => r.values), batch[0]!.fileRow);
    if (read.ok) lines.push(...read.lines);
    if (lines.length >= limit) break;
  }
  lines.splice(limit);
  const [dynamodb, s3] = await Promise.all([startDynamoDbTestServer(), startTestS3()]);
  const tableName = await dynamodb.createInvoiceTable();
  const documents = DynamoDBDocumentClient.from(dynamodb.client, { marshallOptions: { removeUndefinedValues: true } });
  const byInvoice = new Map<string, InvoiceLineEvent[]>();
  for (const l of lines) byInvoice.set(l.invoiceNo, [...(byInvoice.get(l.invoiceNo) ?? []), l]);
  const items = [...lines.map(lineItem), ...[...byInvoice.values()].map((ls) => summaryItem(summariseInvoice(ls)))];
  let t = performance.now();
  const failed = await putItemsInBatches({ client: documents, tableName, keyAttributes: ['pk', 'sk'], retry: DEFAULT_BATCH_PUT_RETRY }, items);
  console.error(`filled ${items.length} items in ${Math.round(performance.now() - t)} ms (failed ${failed.length})`);
  const bucket = rawEventsDeliveryStream().bucketName;
  await s3.createBucket(bucket);
  const byDay = new Map<string, string[]>();
  for (const l of lines) {
    const [y, m, d] = l.invoiceDate.slice(0, 10).split('-');
    const p = `invoice-lines/year=${y}/month=${m}/day=${d}/`;
    if (!byDay.has(p)) byDay.set(p, []);
    byDay.get(p)!.push(JSON.stringify(l) + '\n');
  }
  t = performance.now();
  for (const [p, ls] of byDay) await s3.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${p}x-1-2024-05-01-10-00-00-${randomUUID()}.gz`, Body: gzipSync(ls.join('')) }));
  console.error(`wrote ${byDay.size} objects in ${Math.round(performance.now() - t)} ms`);
  const stack = {
    stage: 'test', region: 'eu-west-2', accountId: '000000000000', apiUrl: '', apiKey: '', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    endpoints: { kinesis: '', dynamodb: dynamodb.endpoint, s3: s3.endpoint, services: {} },
    resources: { streams: {}, tables: { InvoiceTable: { name: tableName, arn: '', globalSecondaryIndexes: [] } }, buckets: { RawEventsBucket: { name: bucket, arn: '' } } },
    routes: [], environment: {}, processes: {}, stateDir: '/tmp/reconcile-measure', pid: process.pid, startedAt: '',
  };
  writeFileSync('/tmp/reconcile-measure/stack.json', JSON.stringify(stack));
  for (const segments of (process.env.SEGMENTS ?? '4').split(',')) {
    t = performance.now();
    const code = await runReconcileCommand(['--stack-file', '/tmp/reconcile-measure/stack.json', '--segments', segments, file!]);
    console.error(`segments ${segments}: exit ${code} in ${Math.round(performance.now() - t)} ms`);
  }
  documents.destroy();
  await dynamodb.stop();
  await s3.close();
}
main();
