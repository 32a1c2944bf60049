import { spawnSync } from 'node:child_process';
import path from 'node:path';

const REPOSITORY_ROOT = path.resolve(__dirname, '../..');
// A file inside a package, so the repository's own configuration applies to it as it does to the code.
const FIXTURE_PATH = path.join(REPOSITORY_ROOT, 'packages/cli/src/lint-fixture.ts');

const ESLINT_CLI = path.join(REPOSITORY_ROOT, 'node_modules/eslint/bin/eslint.js');

interface LintResult {
  messages: { ruleId: string | null; message: string }[];
}

// The CLI in a child process: ESLint loads eslint.config.mjs with a dynamic import, which Jest's VM refuses.
async function restrictedImports(code: string): Promise<string[]> {
  const run = spawnSync(
    process.execPath,
    [ESLINT_CLI, '--format', 'json', '--stdin', '--stdin-filename', FIXTURE_PATH],
    {
      cwd: REPOSITORY_ROOT,
      input: code,
      encoding: 'utf8',
    },
  );
  const [result] = JSON.parse(run.stdout) as LintResult[];
  return result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the deep-import lint rule', () => {
  it("fails on an import of another package's src/ or test/", async () => {
    expect(
      await restrictedImports(
        [
          "import { MAX_BODY_BYTES } from '@retail/service-ingest/src/request-limits';",
          "import { readSampleRows } from '@retail/adapters/test/support/online-retail-sample';",
          "import { INVOICE_TABLE_KEYS } from '../../../adapters/src/invoice-table-keys';",
          'export const used = [MAX_BODY_BYTES, readSampleRows, INVOICE_TABLE_KEYS];',
        ].join('\n'),
      ),
    ).toEqual([
      expect.stringContaining('through its exports map'),
      expect.stringContaining('through its exports map'),
      expect.stringContaining('bypasses its exports map'),
    ]);
  });

  it('passes an import through the exports map, a named subpath, and a relative import inside the package', async () => {
    expect(
      await restrictedImports(
        [
          "import { MAX_BODY_BYTES } from '@retail/api-contract';",
          "import { COLLECTION_FILE } from '@retail/api-contract/postman';",
          "import { runCommand } from './command/command-process';",
          "import { UsageError } from '../src/command/cli-args';",
          'export const used = [MAX_BODY_BYTES, COLLECTION_FILE, runCommand, UsageError];',
        ].join('\n'),
      ),
    ).toEqual([]);
  });
});
