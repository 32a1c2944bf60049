import type { WarehouseLogin, WarehouseUsers } from '@retail/adapters';
import { intrinsicContextOf, type PlatformTemplate } from '../cloudformation/read-platform-template';
import { arnOf, resolveIntrinsics } from '../cloudformation/resolve-intrinsics';
import { isJsonObject } from '../json-object';

/**
 * The template's secrets (AWS::SecretsManager::Secret with a GenerateSecretString of a `username`) by their ARN, each
 * with the local warehouse's login of that user: a Data API statement that names the secret runs as its user, as on
 * AWS. A secret whose user the local warehouse does not have is an error: the migration creates every one.
 */
export function secretLoginsOf(
  template: PlatformTemplate,
  accountId: string,
  users: WarehouseUsers,
): Map<string, WarehouseLogin> {
  const context = intrinsicContextOf(template, accountId);
  const loginOf = new Map(Object.values(users).map((login) => [login.username, login]));
  const logins = new Map<string, WarehouseLogin>();
  for (const [logicalId, resource] of Object.entries(template.resources)) {
    if (resource.Type !== 'AWS::SecretsManager::Secret') continue;
    const generated = resolveIntrinsics(resource.Properties?.GenerateSecretString, context);
    const secretTemplate = isJsonObject(generated) ? generated.SecretStringTemplate : undefined;
    const username =
      typeof secretTemplate === 'string' ? (JSON.parse(secretTemplate) as { username?: unknown }).username : undefined;
    if (typeof username !== 'string') continue;
    const login = loginOf.get(username);
    if (login === undefined)
      throw new Error(
        `Secret ${logicalId} names the warehouse user ${username}, which the local warehouse does not create (it has ${[...loginOf.keys()].join(', ')}): add it to resources/names.yml and the migration.`,
      );
    logins.set(arnOf(logicalId, context), login);
  }
  return logins;
}
