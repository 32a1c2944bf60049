export {
  startLocalWarehouse,
  warehouseUrl,
  WAREHOUSE_DATABASE,
  WAREHOUSE_DEFAULT_PORT,
  type LocalWarehouse,
  type LocalWarehouseOptions,
} from './local-warehouse';
export { localWarehouseComponent } from './warehouse-component';
export { applyWarehouseSchema, mergeLanding, withWarehouseClient, WAREHOUSE_SQL_DIR } from './warehouse-schema';
export { jsonpathsDocument, readLandingColumns, LANDING_COLUMNS_FILE, type LandingColumns } from './landing-columns';
