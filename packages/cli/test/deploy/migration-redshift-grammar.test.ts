// What the deploy's migration and the warehouse delivery stream send to Redshift, through the Redshift grammar check
// (the schema, merge and dashboard files: packages/adapters/test/redshift-grammar.test.ts).
import {
  biRoleStatements,
  glueBatchStatements,
  loaderStatements,
  MERGE_LANDING_CALL,
  MERGE_LANDING_FILE,
  mergeProcedureStatements,
  mergeRunnerStatements,
  readWarehouseFile,
  REFRESH_PRECOMPUTED_FILE,
} from '@retail/adapters';
import { checkRedshiftStatements, redshiftStatements } from '@retail/adapters/redshift-grammar';
import { readLandingColumns, readWarehouseBiRole, WAREHOUSE_SQL_DIR } from '@retail/local-platform';
import { JSONPATHS_KEY } from '../../src/deploy/migrate-warehouse';

const STAGING_BUCKET = 'retail-platform-dev-warehouse-staging';

/**
 * The COPY the delivery stream runs, as Firehose builds it from resources/firehose-warehouse.yml's CopyCommand: its
 * table and columns, FROM the staged batch's manifest, its role, MANIFEST, then CopyOptions as declared there.
 */
async function warehouseDeliveryStreamCopy(): Promise<string> {
  const landing = await readLandingColumns();
  const columns = landing.columns.map((column) => column.name).join(',');
  const copyOptions = `JSON 's3://${STAGING_BUCKET}/${JSONPATHS_KEY}' GZIP TIMEFORMAT 'auto'`;
  return `COPY ${landing.table} (${columns}) FROM 's3://${STAGING_BUCKET}/staging/manifests/2026/12/07/10/batch-1' CREDENTIALS 'aws_iam_role=arn:aws:iam::123456789012:role/retail-platform-dev-warehouse-delivery' MANIFEST ${copyOptions}`;
}

it("sends Redshift only statements its grammar takes: the migration's, the schedule's CALL, the delivery stream's COPY", async () => {
  const [merge, refresh] = await Promise.all([
    readWarehouseFile(WAREHOUSE_SQL_DIR, MERGE_LANDING_FILE, 'redshift'),
    readWarehouseFile(WAREHOUSE_SQL_DIR, REFRESH_PRECOMPUTED_FILE, 'redshift'),
  ]);
  const biRole = await readWarehouseBiRole();
  const login = (username: string) => ({ username, password: "it's-a-password" });
  const statements = [
    ...redshiftStatements('mergeProcedureStatements', mergeProcedureStatements(merge.sql, refresh.sql)),
    ...[false, true].flatMap((exists) => [
      ...redshiftStatements(`loaderStatements (exists: ${exists})`, loaderStatements(login('loader'), exists)),
      ...redshiftStatements(
        `mergeRunnerStatements (exists: ${exists})`,
        mergeRunnerStatements(login('merger'), exists),
      ),
      ...redshiftStatements(`glueBatchStatements (exists: ${exists})`, glueBatchStatements(login('glue'), exists)),
      ...redshiftStatements(`biRoleStatements (exists: ${exists})`, biRoleStatements('redshift', biRole, exists)),
    ]),
    { source: 'MERGE_LANDING_CALL (the merge schedule)', sql: MERGE_LANDING_CALL },
    { source: "the warehouse delivery stream's COPY", sql: await warehouseDeliveryStreamCopy() },
  ];
  expect((await checkRedshiftStatements(statements)).map((finding) => finding.message)).toEqual([]);
});
