import path from 'node:path';
import { version } from '../package.json';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document';

/** The committed document: written by `npm run openapi`, served by the visualization API at GET /openapi.json. */
export const OPENAPI_FILE = path.resolve(__dirname, '..', 'openapi.json');

/**
 * The document as it is committed: servers are the local platform's default base URL (given by its caller, so the
 * contract knows nothing of the local platform) and a deployed stage's.
 */
export function committedOpenApiDocument(localApiUrl: string): OpenApiDocument {
  return buildOpenApiDocument(version, {
    localApiUrl,
    // The providers' defaults (`${opt:region, 'eu-west-2'}`, `${opt:stage, 'dev'}` in every serverless.yml).
    region: 'eu-west-2',
    stage: 'dev',
  });
}

/** The file's exact text: stable key order and a final newline, so a regenerated file diffs cleanly. */
export function openApiFileText(document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
