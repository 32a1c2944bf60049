import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { WarehouseLogin, WarehouseUsers } from '@retail/adapters';
import { parse } from 'yaml';
import { readJsonFileIfExists, writeJsonFileAtomically } from '../atomic-json-file';
import { NAMES_FILE } from './warehouse-bi-role';

/** Where a local warehouse keeps its users' passwords: beside its data directory, in the state directory. */
export const LOCAL_WAREHOUSE_LOGINS_FILE = 'warehouse-logins.json';

const USER_NAME_KEYS = {
  loader: 'warehouseLoaderUser',
  mergeRunner: 'warehouseMergeUser',
  glueBatch: 'warehouseGlueUser',
} as const satisfies Record<keyof WarehouseUsers, string>;

/**
 * The warehouse users' logins, local only: the user names of resources/names.yml (the ones the deployed secrets
 * hold), each with a password the local platform made once and keeps in `file` (on AWS, Secrets Manager generates them).
 */
export async function readOrCreateLocalWarehouseLogins(file: string): Promise<WarehouseUsers> {
  const names = parse(await readFile(NAMES_FILE, 'utf8')) as Record<string, unknown>;
  const kept = (await readJsonFileIfExists<Record<string, string>>(file)) ?? {};
  const users = Object.fromEntries(
    Object.entries(USER_NAME_KEYS).map(([user, key]) => {
      const username = names[key];
      if (typeof username !== 'string') throw new Error(`${NAMES_FILE} needs ${key}, a warehouse user name.`);
      return [user, { username, password: kept[username] ?? localPassword() } satisfies WarehouseLogin];
    }),
  ) as unknown as WarehouseUsers;
  const passwords = Object.fromEntries(Object.values(users).map((login) => [login.username, login.password]));
  if (JSON.stringify(passwords) !== JSON.stringify(kept)) await writeJsonFileAtomically(file, passwords);
  return users;
}

// As the deployed secrets' GenerateSecretString: 40 characters, letters and digits, an upper, a lower and a digit.
function localPassword(): string {
  return `Aa1${randomBytes(40).toString('base64url').replace(/[-_]/g, '').slice(0, 37)}`;
}
