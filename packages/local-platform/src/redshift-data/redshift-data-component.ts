import path from 'node:path';
import type { PlatformComponent } from '../platform-component';
import { describePortSetting } from '../platform-settings';
import { localWarehouseLoginsFile, readOrCreateLocalWarehouseLogins } from '../warehouse';
import { startLocalRedshiftData } from './local-redshift-data';
import { secretLoginsOf } from './secret-logins';

/**
 * The Redshift Data API over the local warehouse; needs the warehouse (and its users) in an earlier phase, and S3 for
 * its COPY statements.
 */
export function localRedshiftDataComponent(port: number): PlatformComponent {
  return {
    name: 'redshift-data',
    async start({ stack, platform }) {
      if (stack.warehouseUrl === undefined)
        throw new Error('The local Redshift Data API needs the warehouse started in an earlier phase.');
      const users = await readOrCreateLocalWarehouseLogins(
        localWarehouseLoginsFile(path.join(platform.stateDir, 'warehouse')),
      );
      const api = await startLocalRedshiftData({
        warehouseUrl: stack.warehouseUrl,
        port,
        portSetting: describePortSetting('redshiftData', port),
        secretLogins: secretLoginsOf(platform.template, platform.accountId, users),
        s3: stack.endpoints.s3 === undefined ? undefined : { endpoint: stack.endpoints.s3, region: platform.region },
      });
      return {
        contribution: {
          endpoints: { redshiftData: api.endpoint },
          // The SDK's service-specific endpoint variable: every Redshift Data client of a local process finds it.
          environment: { AWS_ENDPOINT_URL_REDSHIFT_DATA: api.endpoint },
        },
        stop: () => api.stop(),
      };
    },
  };
}
