import path from 'node:path';

/** postman/ at the repository root: the collection, the deployed-stage environment, and the generated local one. */
export const POSTMAN_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'postman');
export const COLLECTION_FILE = path.join(POSTMAN_DIR, 'retail-api.postman_collection.json');
export const DEPLOYED_ENVIRONMENT_FILE = path.join(POSTMAN_DIR, 'environments', 'deployed.postman_environment.json');
/** Written from .local/stack.json by `npm run postman:env`; not committed (postman/.gitignore). */
export const LOCAL_ENVIRONMENT_FILE = path.join(POSTMAN_DIR, 'environments', 'local.postman_environment.json');

/** A file's exact text: stable key order and a final newline, so regenerating diffs cleanly. */
export function jsonFileText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
