export { startLocalRedshiftData, type LocalRedshiftData, type LocalRedshiftDataOptions } from './local-redshift-data';
export { localRedshiftDataComponent } from './redshift-data-component';
export { bindNamedParameters, type SqlParameter } from './named-parameters';
export { CopyFailedError, CopyFromS3, s3ObjectSource, type CopyOutcome, type S3ObjectSource } from './copy-from-s3';
export {
  InvalidCopyError,
  isCopyStatement,
  parseCopyStatement,
  UnsupportedCopyError,
  type CopyOptions,
  type CopyStatement,
} from './copy-statement';
export { CopyTextChunker, copyTextLine } from './copy-rows';
