export {
  startLocalWarehouse,
  warehouseUrl,
  warehouseBiUrl,
  WAREHOUSE_DATABASE,
  WAREHOUSE_DEFAULT_PORT,
  type LocalWarehouse,
  type LocalWarehouseOptions,
} from './local-warehouse';
export { localWarehouseComponent } from './warehouse-component';
export { applyWarehouseSchema, mergeLanding, withWarehouseClient, WAREHOUSE_SQL_DIR } from './warehouse-schema';
export { jsonpathsDocument, readLandingColumns, LANDING_COLUMNS_FILE, type LandingColumns } from './landing-columns';
export {
  biLoginStatements,
  biRoleStatements,
  readWarehouseBiRole,
  WAREHOUSE_BI_PASSWORD,
  WAREHOUSE_BI_USER,
} from './warehouse-bi-role';
