// Test factories and fixtures shared by every package's tests: events as AWS sends them, emulators, the sample.
export * from './api-gateway-event';
export * from './dynamodb-test-table';
export * from './dynamodb-unprocessed-items';
export * from './emitted-metrics';
export * from './eventually';
export * from './handler-environment';
export * from './kinesis-stream-event';
export * from './kinesis-test-stream';
export * from './lambda-context';
export * from './online-retail-sample';
export * from './put-record-batch-failures';
export * from './put-records-failures';
export * from './raw-events-firehose';
export * from './test-stage';
export * from './sample-analytics';
export * from './sample-warehouse';
export * from './chromium';
