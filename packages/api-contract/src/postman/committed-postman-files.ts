import { buildPostmanCollection, type PostmanCollection } from './postman-collection';
import { deployedEnvironment, type ApiTarget, type PostmanEnvironment } from './postman-environments';
import { COLLECTION_FILE, DEPLOYED_ENVIRONMENT_FILE } from './postman-files';

/** The collection as committed: its defaults (`localDefaults`) reach `npm start` on its default port with its key. */
export function committedPostmanFiles(
  localDefaults: ApiTarget,
): { file: string; content: PostmanCollection | PostmanEnvironment }[] {
  return [
    { file: COLLECTION_FILE, content: buildPostmanCollection(localDefaults) },
    { file: DEPLOYED_ENVIRONMENT_FILE, content: deployedEnvironment() },
  ];
}
