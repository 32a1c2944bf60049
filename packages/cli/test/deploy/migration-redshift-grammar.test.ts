// What the deploy's migration and the warehouse delivery stream send to Redshift, through the Redshift grammar check
// (the schema, merge and dashboard files: packages/adapters/test/redshift-grammar.test.ts).
import {
  biRoleStatements,
  glueBatchStatements,
  loaderStatements,
  MERGE_LANDING_CALL,
  MERGE_LANDING_FILE,
  mergeProcedureStatement,
  PROCEDURE_EXISTS,
  RETIRED_MERGE_PROCEDURES,
  dropProcedureStatement,
  mergeRunnerStatements,
  readWarehouseFile,
} from '@retail/adapters';
import { checkRedshiftStatements, redshiftStatements } from '@retail/adapters/redshift-grammar';
import { readLandingColumns, readWarehouseBiRole, WAREHOUSE_SQL_DIR } from '@retail/local-platform';
import { landingCopyStatement } from '@retail/local-platform/warehouse';

const STAGING_BUCKET = 'retail-platform-dev-warehouse-staging';

/**
 * The COPY the delivery stream runs (its CopyCommand reads the same options from landing-columns.yml) and any other
 * load of the landing table: FROM a staged batch's manifest, a role, MANIFEST, the jsonpaths file and the options.
 */
async function warehouseDeliveryStreamCopy(): Promise<string> {
  return landingCopyStatement(await readLandingColumns(), {
    from: `s3://${STAGING_BUCKET}/staging/manifests/2026/12/07/10/batch-1`,
    manifest: true,
    authorization: "CREDENTIALS 'aws_iam_role=arn:aws:iam::123456789012:role/retail-platform-dev-warehouse-delivery'",
    stagingBucket: STAGING_BUCKET,
  });
}

it("sends Redshift only statements its grammar takes: the migration's, the schedule's CALL, the delivery stream's COPY", async () => {
  const merge = await readWarehouseFile(WAREHOUSE_SQL_DIR, MERGE_LANDING_FILE, 'redshift');
  const biRole = await readWarehouseBiRole();
  const login = (username: string) => ({ username, password: "it's-a-password" });
  const statements = [
    ...redshiftStatements('mergeProcedureStatement', [mergeProcedureStatement(merge.sql)]),
    ...redshiftStatements('PROCEDURE_EXISTS', [PROCEDURE_EXISTS]),
    ...redshiftStatements('dropProcedureStatement', RETIRED_MERGE_PROCEDURES.map(dropProcedureStatement)),
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
