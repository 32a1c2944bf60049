import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The monorepo's root, found from this file so the CLI works from any working directory. */
export const REPOSITORY_ROOT = resolve(__dirname, '../../../..');

/** The committed sample: what `npm run load` sends when given no file. */
export const SAMPLE_DATA_FILE = join(REPOSITORY_ROOT, 'data', 'online-retail-sample.csv');

/** Where the full data set lives on a developer's machine and in CI: shared/ sits beside the repository. */
export const FULL_DATA_FILE =
  process.env.RETAIL_FULL_DATA_FILE ?? join(REPOSITORY_ROOT, '..', 'shared', 'data', 'online-retail', 'data.csv.gz');

export function findFullDataFile(): string | undefined {
  return existsSync(FULL_DATA_FILE) ? FULL_DATA_FILE : undefined;
}
