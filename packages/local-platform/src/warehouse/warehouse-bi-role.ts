import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../platform-settings';

/** resources/names.yml: its `warehouseBiRole` is the read-only role's one name (the deploy's IAM tag reads it too). */
export const NAMES_FILE = path.join(REPO_ROOT, 'resources', 'names.yml');

/** The local warehouse's read-only login for BI tools, a member of the BI role; local only, like the admin login. */
export const WAREHOUSE_BI_USER = 'bi_user';
export const WAREHOUSE_BI_PASSWORD = 'retail-local-bi';

const ROLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** The read-only BI role's name, from resources/names.yml. */
export async function readWarehouseBiRole(file: string = NAMES_FILE): Promise<string> {
  const { warehouseBiRole } = parse(await readFile(file, 'utf8')) as { warehouseBiRole?: unknown };
  if (typeof warehouseBiRole !== 'string' || !ROLE_NAME.test(warehouseBiRole))
    throw new Error(`${file} needs warehouseBiRole, a lower-case database role name, got ${String(warehouseBiRole)}.`);
  return warehouseBiRole;
}

/** The local BI login (PostgreSQL): created once, its password reset at every start, a member of the BI role only. */
export function biLoginStatements(role: string, userExists: boolean): string[] {
  const password = `'${WAREHOUSE_BI_PASSWORD.replaceAll("'", "''")}'`;
  return [
    `${userExists ? 'ALTER' : 'CREATE'} ROLE ${WAREHOUSE_BI_USER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD ${password}`,
    `GRANT ${role} TO ${WAREHOUSE_BI_USER}`,
  ];
}
