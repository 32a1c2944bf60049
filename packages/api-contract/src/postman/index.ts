// Not re-exported by the package's index: newman must stay out of the Lambda bundles that import the schemas.
export { runPostmanCollection, type PostmanRunOptions, type PostmanRunResult } from './run-postman-collection';
export { writeLocalPostmanEnvironment } from './write-local-postman-environment';
export {
  localEnvironment,
  deployedEnvironment,
  POSTMAN_VARIABLES,
  type ApiTarget,
  type PostmanEnvironment,
} from './postman-environments';
export { COLLECTION_FILE, DEPLOYED_ENVIRONMENT_FILE, LOCAL_ENVIRONMENT_FILE } from './postman-files';
