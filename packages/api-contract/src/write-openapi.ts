import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { OPENAPI_FILE, openApiFileText } from './openapi-file';

// `npm run openapi`: regenerate the committed document after changing a schema or a route.
writeFileSync(OPENAPI_FILE, openApiFileText());
console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}`);
