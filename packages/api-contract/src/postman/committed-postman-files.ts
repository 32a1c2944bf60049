import { readLocalApiKey } from '@retail/local-platform/src/platform-exports';
import { LOCAL_STAGE, LOOPBACK_HOST, PORT_VARIABLES } from '@retail/local-platform/src/platform-settings';
import { buildPostmanCollection, type PostmanCollection } from './postman-collection';
import { deployedEnvironment, type PostmanEnvironment } from './postman-environments';
import { COLLECTION_FILE, DEPLOYED_ENVIRONMENT_FILE } from './postman-files';

/** The collection as committed: its defaults reach `npm start` on its default port with the local stage's fixed key. */
export async function committedPostmanFiles(): Promise<
  { file: string; content: PostmanCollection | PostmanEnvironment }[]
> {
  const localDefaults = {
    apiUrl: `http://${LOOPBACK_HOST}:${PORT_VARIABLES.api.defaultPort}/${LOCAL_STAGE}`,
    apiKey: await readLocalApiKey(),
  };
  return [
    { file: COLLECTION_FILE, content: buildPostmanCollection(localDefaults) },
    { file: DEPLOYED_ENVIRONMENT_FILE, content: deployedEnvironment() },
  ];
}
