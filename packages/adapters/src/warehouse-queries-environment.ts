import { createRedshiftDataClient, RedshiftDataWarehouse } from './redshift-data-warehouse';
import type { WarehouseQueries } from './warehouse-queries';

/** Set from the platform stack: the Redshift Serverless workgroup, its database, and the secret to connect with. */
export const WAREHOUSE_WORKGROUP_VARIABLE = 'WAREHOUSE_WORKGROUP_NAME';
export const WAREHOUSE_DATABASE_VARIABLE = 'WAREHOUSE_DATABASE';
export const WAREHOUSE_SECRET_ARN_VARIABLE = 'WAREHOUSE_SECRET_ARN';

/** The warehouse of the deployed (or local) platform; call it once, at module scope, so a missing setting fails the cold start. */
export function createWarehouseQueriesFromEnvironment(environment: NodeJS.ProcessEnv = process.env): WarehouseQueries {
  const workgroupName = environment[WAREHOUSE_WORKGROUP_VARIABLE]?.trim();
  const database = environment[WAREHOUSE_DATABASE_VARIABLE]?.trim();
  if (!workgroupName || !database) {
    throw new Error(
      `${WAREHOUSE_WORKGROUP_VARIABLE} and ${WAREHOUSE_DATABASE_VARIABLE} must both be set: the Redshift Serverless workgroup and database the queries run on (locally any workgroup name and database retail).`,
    );
  }
  const secretArn = environment[WAREHOUSE_SECRET_ARN_VARIABLE]?.trim() || undefined;
  return new RedshiftDataWarehouse(createRedshiftDataClient(), { workgroupName, database, secretArn });
}
