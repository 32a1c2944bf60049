import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { committedPostmanFiles, jsonFileText } from '@retail/api-contract/postman';
import { runCommand } from '../command/command-process';
import { localApiDefaults } from './local-api-defaults';

// `npm run postman:collection`: regenerate the committed collection and deployed environment after a contract change.
runCommand(async () => {
  for (const { file, content } of committedPostmanFiles(await localApiDefaults())) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, jsonFileText(content));
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  return 0;
});
