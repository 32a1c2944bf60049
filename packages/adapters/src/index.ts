export * from './aws-clients';
export * from './invoice-line-stream';
export * from './kinesis-invoice-line-stream';
// Pulls in Powertools batch and parser: package.json's "sideEffects": false keeps them out of bundles that do not use it.
export * from './kinesis-invoice-line-records';
export * from './invoice-store';
export * from './invoice-table-keys';
export * from './invoice-table-items';
export * from './dynamodb-batch-calls';
export * from './dynamodb-invoice-store';
export * from './raw-event-sink';
export * from './firehose-raw-event-sink';
export * from './warehouse-sql';
export * from './warehouse-sql-portability';
