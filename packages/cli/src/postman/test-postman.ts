import { readStackFile } from '@retail/local-platform';
import { runPostmanCollection } from './run-postman-collection';
import { writeLocalPostmanEnvironment } from './write-local-postman-environment';
import { runCommand } from '../command/command-process';

// `npm run test:postman`: the collection against the running local platform (`npm start`, then `npm run load`).
async function main(): Promise<number> {
  const stack = await readStackFile();
  await writeLocalPostmanEnvironment();
  const result = await runPostmanCollection({ apiUrl: stack.apiUrl, apiKey: stack.apiKey });
  if (result.failures.length === 0) return 0;
  console.error(`\n${result.failures.length} of ${result.assertions} Postman tests failed against ${stack.apiUrl}:`);
  for (const failure of result.failures) console.error(`  ${failure.request}: ${failure.test}: ${failure.message}`);
  console.error('Is the sample loaded? Run `npm run load` once the platform is up.');
  return 1;
}

runCommand(main);
