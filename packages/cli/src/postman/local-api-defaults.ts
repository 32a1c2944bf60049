import { LOCAL_STAGE, LOOPBACK_HOST, PORT_VARIABLES, readLocalApiKey } from '@retail/local-platform';
import type { ApiTarget } from '@retail/api-contract/postman';

/** Where `npm start` serves the APIs with its default ports: the base URL the committed OpenAPI and collection name. */
export const LOCAL_API_URL = `http://${LOOPBACK_HOST}:${PORT_VARIABLES.api.defaultPort}/${LOCAL_STAGE}`;

/** The committed collection's defaults: the local platform's default URL and its stage's fixed key. */
export async function localApiDefaults(): Promise<ApiTarget> {
  return { apiUrl: LOCAL_API_URL, apiKey: await readLocalApiKey() };
}
