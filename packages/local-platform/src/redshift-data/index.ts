export { startLocalRedshiftData, type LocalRedshiftData, type LocalRedshiftDataOptions } from './local-redshift-data';
export { localRedshiftDataComponent } from './redshift-data-component';
export { bindNamedParameters, type SqlParameter } from './named-parameters';
