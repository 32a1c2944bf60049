import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readStackFile } from '@retail/local-platform';
import { jsonFileText, LOCAL_ENVIRONMENT_FILE, localEnvironment } from '@retail/api-contract/postman';
import { runCommand } from '../command/command-process';

/** Writes the Postman environment of the running local platform (from .local/stack.json) and returns its path. */
export async function writeLocalPostmanEnvironment(): Promise<string> {
  const stack = await readStackFile();
  mkdirSync(path.dirname(LOCAL_ENVIRONMENT_FILE), { recursive: true });
  writeFileSync(LOCAL_ENVIRONMENT_FILE, jsonFileText(localEnvironment({ apiUrl: stack.apiUrl, apiKey: stack.apiKey })));
  return LOCAL_ENVIRONMENT_FILE;
}

// `npm run postman:env`: import the file into Postman next to the collection.
if (require.main === module) {
  runCommand(async () => {
    console.log(`wrote ${path.relative(process.cwd(), await writeLocalPostmanEnvironment())}`);
    return 0;
  });
}
