// The warehouse's migration after `npm run deploy` of the platform stack (see resources/warehouse.yml for why the deploy
// command and not a custom resource): uploads the COPY's jsonpaths file, reads the users' secrets, then runs the one
// migration (migrateWarehouse in @retail/adapters, which `npm start` runs too) through the Redshift Data API as the
// namespace's admin. Every step is idempotent.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetNamespaceCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createRedshiftDataClient,
  createS3Client,
  migrateWarehouse,
  RedshiftDataWarehouse,
  type WarehouseLogin,
} from '@retail/adapters';
import { jsonpathsDocument, readLandingColumns, readWarehouseBiRole, WAREHOUSE_SQL_DIR } from '@retail/local-platform';
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

const MIGRATION_TIMEOUT_MS = 15 * 60_000;

export async function migrateDeployedWarehouse(
  stage: string,
  region: string,
  log: (line: string) => void = console.log,
): Promise<void> {
  const deployment = await readWarehouseDeployment(`retail-platform-${stage}`, region);
  const s3 = createS3Client({ region });
  const secrets = new SecretsManagerClient({ region });
  const data = createRedshiftDataClient({ region });
  try {
    // Where the COPY's options (resources/warehouse/landing-columns.yml) say the jsonpaths file is.
    const landing = await readLandingColumns();
    await s3.send(
      new PutObjectCommand({
        Bucket: deployment.stagingBucket,
        Key: landing.jsonpathsKey,
        Body: JSON.stringify(jsonpathsDocument(landing)),
        ContentType: 'application/json',
      }),
    );
    log(`  jsonpaths: s3://${deployment.stagingBucket}/${landing.jsonpathsKey}`);
    const credentials = async (secretArn: string): Promise<WarehouseLogin> => {
      const secret = JSON.parse(
        (await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString ?? '{}',
      ) as { username?: string; password?: string };
      if (!secret.username || !secret.password) throw new Error(`${secretArn} holds no username and password.`);
      return { username: secret.username, password: secret.password };
    };
    await migrateWarehouse({
      warehouse: new RedshiftDataWarehouse(
        data,
        {
          workgroupName: deployment.workgroupName,
          database: deployment.database,
          secretArn: deployment.adminSecretArn,
        },
        { timeoutMs: MIGRATION_TIMEOUT_MS },
      ),
      engine: 'redshift',
      sqlDirectory: WAREHOUSE_SQL_DIR,
      biRole: await readWarehouseBiRole(),
      users: {
        loader: await credentials(deployment.loaderSecretArn),
        mergeRunner: await credentials(deployment.mergeSecretArn),
        glueBatch: await credentials(deployment.glueSecretArn),
      },
      log,
    });
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

/** After `sls deploy` of every stack: the options `npm run deploy` was given (`--stage <s> [--region <r>]`). */
export async function migrateWarehouseAfterDeploy(options: readonly string[]): Promise<number> {
  const stage = passedFlagValue(options, '--stage');
  if (stage === undefined) return 2;
  console.log(`\n== warehouse migration (stage ${stage})`);
  try {
    await migrateDeployedWarehouse(stage, passedFlagValue(options, '--region') ?? DEFAULT_REGION);
    return 0;
  } catch (error) {
    console.error(
      `The warehouse migration failed: ${(error as Error).message}\nFix it and run \`npm run deploy\` again (every step is idempotent).`,
    );
    return 1;
  }
}
