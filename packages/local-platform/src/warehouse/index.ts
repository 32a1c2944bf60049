export {
  startLocalWarehouse,
  warehouseUrl,
  warehouseBiUrl,
  localWarehouseLoginsFile,
  WAREHOUSE_DATABASE,
  WAREHOUSE_DEFAULT_PORT,
  type LocalWarehouse,
  type LocalWarehouseOptions,
} from './local-warehouse';
export { localWarehouseComponent } from './warehouse-component';
export {
  applyRedshiftShims,
  mergeLanding,
  migrateLocalWarehouse,
  withWarehouseClient,
  WAREHOUSE_SQL_DIR,
} from './warehouse-schema';
export { readOrCreateLocalWarehouseLogins } from './local-warehouse-logins';
export {
  jsonpathsDocument,
  landingCopyStatement,
  readLandingColumns,
  LANDING_COLUMNS_FILE,
  type LandingColumns,
} from './landing-columns';
export {
  biLoginStatements,
  readWarehouseBiRole,
  NAMES_FILE,
  WAREHOUSE_BI_PASSWORD,
  WAREHOUSE_BI_USER,
} from './warehouse-bi-role';
