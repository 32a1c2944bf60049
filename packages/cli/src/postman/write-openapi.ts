import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { committedOpenApiDocument, OPENAPI_FILE, openApiFileText } from '@retail/api-contract/openapi-file';
import { runCommand } from '../command/command-process';
import { LOCAL_API_URL } from './local-api-defaults';

// `npm run openapi`: regenerate the committed document after changing a schema or a route.
runCommand(async () => {
  writeFileSync(OPENAPI_FILE, openApiFileText(committedOpenApiDocument(LOCAL_API_URL)));
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}`);
  return 0;
});
