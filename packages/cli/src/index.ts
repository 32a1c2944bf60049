// What the benchmarks and the tests reuse of the CLI: its command plumbing, the loader, reconcile, packaging and validation.
export {
  CONSOLE,
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  MAX_BATCH_SIZE,
  MAX_CONCURRENCY,
  parseStrict,
  readCommandLine,
  UsageError,
  wholeNumberFlag,
  type CommandOutput,
} from './command/cli-args';
export { once, runCommand } from './command/command-process';
export { startFileProgress, type FileProgress } from './command/progress';
export { findFullDataFile, FULL_DATA_FILE, REPOSITORY_ROOT, SAMPLE_DATA_FILE } from './command/repository-paths';
export {
  packageStacks,
  type CloudFormationResource,
  type CloudFormationTemplate,
  type PackagedStack,
} from './deploy/package-stacks';
export { bucketsEmptiedBeforeRemove, emptyBucket } from './deploy/empty-stack-buckets';
export { stacksInDependencyOrder } from './deploy/serverless-each-stack';
export { IngestApiClient, IngestApiError, type IngestApiTarget } from './load/ingest-api-client';
export { formatLoadSummary, loadInvoiceLines, rowsNotAccepted, type LoadSummary } from './load/load-invoice-lines';
export { batchInvoiceLines, numberInvoiceLines, type NumberedInvoiceLine } from './load/numbered-invoice-lines';
export { runPostmanCollection, type PostmanRunOptions, type PostmanRunResult } from './postman/run-postman-collection';
export { DEFAULT_SCAN_SEGMENTS } from './reconcile/reconcile-dynamodb';
export { forEachConcurrently, listKeys, objectLines, type RawBucketLayout } from './reconcile/reconcile-raw-bucket';
export { formatReconcileReport, type ReconcileReport } from './reconcile/reconcile-report';
export { reconcile, waitForReconciliation } from './reconcile/reconcile-sinks';
export { targetsOfLocalStack, type ReconcileTargets } from './reconcile/reconcile-targets';
export { AwsTemplateValidator } from './validate/aws-template-validator';
export { formatFindings, type TemplateFinding } from './validate/template-findings';
export { validateStage } from './validate/validate';
export { validateStacks, type StackValidation } from './validate/validate-stacks';
export { BUCKETS_WITHOUT_DATA, isDataStore, RETAINING_STAGES } from './validate/stage-rules';
