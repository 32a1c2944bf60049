import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { committedPostmanFiles } from './committed-postman-files';
import { jsonFileText } from './postman-files';

// `npm run postman:collection`: regenerate the committed collection and deployed environment after a contract change.
async function main(): Promise<void> {
  for (const { file, content } of await committedPostmanFiles()) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, jsonFileText(content));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}

void main();
