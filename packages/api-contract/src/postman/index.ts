// The Postman collection and environments as data; running them with newman is the CLI's (packages/cli/src/postman).
export { committedPostmanFiles } from './committed-postman-files';
export { buildPostmanCollection, type PostmanCollection } from './postman-collection';
export {
  localEnvironment,
  deployedEnvironment,
  POSTMAN_VARIABLES,
  type ApiTarget,
  type PostmanEnvironment,
} from './postman-environments';
export {
  COLLECTION_FILE,
  DEPLOYED_ENVIRONMENT_FILE,
  jsonFileText,
  LOCAL_ENVIRONMENT_FILE,
  POSTMAN_DIR,
} from './postman-files';
