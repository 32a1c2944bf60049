// The warehouse's schema migration, run by `npm run deploy` right after the platform stack (see resources/warehouse.yml
// for why the deploy command and not a custom resource): uploads the COPY's jsonpaths file, applies
// resources/warehouse/*.sql as Redshift text, installs the merge as a procedure for the schedule, creates the loader
// user Firehose signs in as (INSERT on the landing table only) and the read-only BI role. Every step is idempotent.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { GetNamespaceCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createRedshiftDataClient,
  createS3Client,
  MERGE_LANDING_FILE,
  readWarehouseFile,
  readWarehouseSchema,
  REFRESH_PRECOMPUTED_FILE,
  splitSqlStatements,
} from '@retail/adapters';
import {
  biRoleStatements,
  jsonpathsDocument,
  readLandingColumns,
  readWarehouseBiRole,
  WAREHOUSE_SQL_DIR,
} from '@retail/local-platform';
import { DEFAULT_REGION, passedFlagValue } from '../command/cli-args';

/** The platform stack's outputs the migration needs (resources/warehouse.yml, resources/firehose-warehouse.yml). */
export interface WarehouseDeployment {
  workgroupName: string;
  database: string;
  adminSecretArn: string;
  loaderSecretArn: string;
  mergeSecretArn: string;
  glueSecretArn: string;
  stagingBucket: string;
}

export const JSONPATHS_KEY = 'jsonpaths/invoice-line-landing.jsonpaths';
const STATEMENT_POLL_MS = 1_000;
const STATEMENT_TIMEOUT_MS = 15 * 60_000;

/** The Redshift statements that create the loader user, or reset its password, and grant it INSERT only. */
export function loaderStatements(username: string, password: string, userExists: boolean): string[] {
  return [
    userStatement(username, password, userExists),
    `GRANT USAGE ON SCHEMA retail TO ${username}`,
    `GRANT INSERT ON retail.invoice_line_landing TO ${username}`,
  ];
}

/**
 * The merge file (and the refresh of the precomputed views after it) as the procedure the schedule CALLs: one statement for the Data API, one transaction. SECURITY
 * DEFINER: it runs with its owner's rights, so the schedule's user needs EXECUTE on it and nothing else.
 */
export function mergeProcedureStatement(mergeSql: string): string {
  const body = splitSqlStatements(mergeSql)
    .map((statement) => `  ${statement};`)
    .join('\n');
  return `CREATE OR REPLACE PROCEDURE retail.merge_landing() AS $$\nBEGIN\n${body}\nEND;\n$$ LANGUAGE plpgsql SECURITY DEFINER`;
}

/** The schedule's user: it may call the merge, nothing else. */
export function mergeRunnerStatements(username: string, password: string, userExists: boolean): string[] {
  return [
    userStatement(username, password, userExists),
    `GRANT USAGE ON SCHEMA retail TO ${username}`,
    'REVOKE EXECUTE ON PROCEDURE retail.merge_landing() FROM PUBLIC',
    `GRANT EXECUTE ON PROCEDURE retail.merge_landing() TO ${username}`,
  ];
}

/**
 * The Glue job's user (resources/glue-warehouse.yml): it COPYs into the landing table and runs merge-landing.sql as
 * its postactions, so it reads and writes what the merge does (its temporary batch table included), nothing else.
 */
export function glueBatchStatements(username: string, password: string, userExists: boolean): string[] {
  return [
    userStatement(username, password, userExists),
    `GRANT USAGE ON SCHEMA retail TO ${username}`,
    `GRANT SELECT, INSERT ON retail.invoice_line_landing TO ${username}`,
    `GRANT SELECT, INSERT, UPDATE ON retail.fact_invoice_line TO ${username}`,
    `GRANT SELECT, UPDATE ON retail.merge_watermark TO ${username}`,
    `GRANT TEMP ON DATABASE retail TO ${username}`,
  ];
}

function userStatement(username: string, password: string, userExists: boolean): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(username))
    throw new Error(`The secret's username ${username} is no Redshift user name.`);
  const literal = `'${password.replaceAll("'", "''")}'`;
  return userExists ? `ALTER USER ${username} PASSWORD ${literal}` : `CREATE USER ${username} PASSWORD ${literal}`;
}

export async function migrateWarehouse(
  stage: string,
  region: string,
  log: (line: string) => void = console.log,
): Promise<void> {
  const deployment = await readWarehouseDeployment(`retail-platform-${stage}`, region);
  const s3 = createS3Client({ region });
  const secrets = new SecretsManagerClient({ region });
  const data = createRedshiftDataClient({ region });
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: deployment.stagingBucket,
        Key: JSONPATHS_KEY,
        Body: JSON.stringify(jsonpathsDocument(await readLandingColumns())),
        ContentType: 'application/json',
      }),
    );
    log(`  jsonpaths: s3://${deployment.stagingBucket}/${JSONPATHS_KEY}`);
    const run = (sqls: string[]) => runStatements(data, deployment, sqls);
    const schema = await readWarehouseSchema(WAREHOUSE_SQL_DIR, 'redshift');
    const [merge, refresh] = await Promise.all([
      readWarehouseFile(WAREHOUSE_SQL_DIR, MERGE_LANDING_FILE, 'redshift'),
      readWarehouseFile(WAREHOUSE_SQL_DIR, REFRESH_PRECOMPUTED_FILE, 'redshift'),
    ]);
    // The refresh right after the schema: the precomputed tables of a warehouse that already has lines are filled now.
    await run([...schema, refresh].flatMap((file) => splitSqlStatements(file.sql)));
    log(`  schema: ${schema.map((file) => file.name).join(', ')}, then ${refresh.name}`);
    await run([mergeProcedureStatement([merge, refresh].map((file) => file.sql).join('\n'))]);
    log('  merge: retail.merge_landing() (called by the schedule)');
    const credentials = async (secretArn: string) => {
      const secret = JSON.parse(
        (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '{}',
      ) as { username?: string; password?: string };
      if (!secret.username || !secret.password) throw new Error(`${secretArn} holds no username and password.`);
      const userExists = await exists(data, deployment, `SELECT 1 FROM pg_user WHERE usename = '${secret.username}'`);
      return { username: secret.username, password: secret.password, userExists };
    };
    const loader = await credentials(deployment.loaderSecretArn);
    const mergeRunner = await credentials(deployment.mergeSecretArn);
    const glueBatch = await credentials(deployment.glueSecretArn);
    // The read-only role BI tools and the dashboard's function (its RedshiftDbRoles tag) read as; the local
    // warehouse applies the same statements (packages/local-platform/src/warehouse/warehouse-bi-role.ts).
    const biRole = await readWarehouseBiRole();
    const roleExists = await exists(data, deployment, `SELECT 1 FROM svv_roles WHERE role_name = '${biRole}'`);
    await run([
      ...loaderStatements(loader.username, loader.password, loader.userExists),
      ...mergeRunnerStatements(mergeRunner.username, mergeRunner.password, mergeRunner.userExists),
      ...glueBatchStatements(glueBatch.username, glueBatch.password, glueBatch.userExists),
      ...biRoleStatements('redshift', biRole, roleExists),
    ]);
    log(
      `  users: ${loader.username} (INSERT on retail.invoice_line_landing), ${mergeRunner.username} (EXECUTE on retail.merge_landing()), ${glueBatch.username} (the Glue job: landing INSERT and the merge), role ${biRole} (SELECT on retail)`,
    );
  } finally {
    s3.destroy();
    secrets.destroy();
    data.destroy();
  }
}

async function readWarehouseDeployment(stackName: string, region: string): Promise<WarehouseDeployment> {
  const cloudFormation = new CloudFormationClient({ region });
  const serverless = new RedshiftServerlessClient({ region });
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const outputs = new Map((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
    const output = (key: string) => {
      const value = outputs.get(key);
      if (value === undefined) throw new Error(`${stackName} has no output ${key}: deploy the platform stack first.`);
      return value;
    };
    // The admin secret Redshift manages (ManageAdminPassword) is known to the namespace, not to CloudFormation.
    const namespaceName = output('WarehouseNamespaceName');
    const { namespace } = await serverless.send(new GetNamespaceCommand({ namespaceName }));
    if (namespace?.adminPasswordSecretArn === undefined)
      throw new Error(`Namespace ${namespaceName} has no managed admin secret: is ManageAdminPassword still true?`);
    return {
      workgroupName: output('WarehouseWorkgroupName'),
      database: 'retail',
      adminSecretArn: namespace.adminPasswordSecretArn,
      loaderSecretArn: output('WarehouseLoaderSecretArn'),
      mergeSecretArn: output('WarehouseMergeSecretArn'),
      glueSecretArn: output('WarehouseGlueSecretArn'),
      stagingBucket: output('WarehouseStagingBucketName'),
    };
  } finally {
    cloudFormation.destroy();
    serverless.destroy();
  }
}

/** BatchExecuteStatement runs its statements in one transaction: a migration applies whole or not at all. */
async function runStatements(data: RedshiftDataClient, deployment: WarehouseDeployment, sqls: string[]): Promise<void> {
  if (sqls.length === 0) return;
  const { Id } = await data.send(
    new BatchExecuteStatementCommand({
      WorkgroupName: deployment.workgroupName,
      Database: deployment.database,
      SecretArn: deployment.adminSecretArn,
      Sqls: sqls,
    }),
  );
  await finished(data, Id!);
}

async function exists(data: RedshiftDataClient, deployment: WarehouseDeployment, sql: string): Promise<boolean> {
  const { Id } = await data.send(
    new ExecuteStatementCommand({
      WorkgroupName: deployment.workgroupName,
      Database: deployment.database,
      SecretArn: deployment.adminSecretArn,
      Sql: sql,
    }),
  );
  await finished(data, Id!);
  const result = await data.send(new GetStatementResultCommand({ Id }));
  return (result.Records ?? []).length > 0;
}

async function finished(data: RedshiftDataClient, id: string): Promise<void> {
  const deadline = Date.now() + STATEMENT_TIMEOUT_MS;
  for (;;) {
    const statement = await data.send(new DescribeStatementCommand({ Id: id }));
    if (statement.Status === 'FINISHED') return;
    if (statement.Status === 'FAILED' || statement.Status === 'ABORTED')
      throw new Error(
        `The warehouse migration failed (${statement.Status}): ${statement.Error ?? 'no error given'}\n${statement.QueryString ?? ''}`,
      );
    if (Date.now() > deadline)
      throw new Error(`The warehouse migration ${id} did not finish in ${STATEMENT_TIMEOUT_MS / 60_000} minutes.`);
    await new Promise((resolve) => setTimeout(resolve, STATEMENT_POLL_MS));
  }
}

/** After `sls deploy` of every stack: the options `npm run deploy` was given (`--stage <s> [--region <r>]`). */
export async function migrateWarehouseAfterDeploy(options: readonly string[]): Promise<number> {
  const stage = passedFlagValue(options, '--stage');
  if (stage === undefined) return 2;
  console.log(`\n== warehouse migration (stage ${stage})`);
  try {
    await migrateWarehouse(stage, passedFlagValue(options, '--region') ?? DEFAULT_REGION);
    return 0;
  } catch (error) {
    console.error(
      `The warehouse migration failed: ${(error as Error).message}\nFix it and run \`npm run deploy\` again (every step is idempotent).`,
    );
    return 1;
  }
}
