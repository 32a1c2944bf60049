import type { PlatformComponent } from '../platform-component';
import { describePortSetting } from '../platform-settings';
import { startLocalRedshiftData } from './local-redshift-data';

/** The Redshift Data API over the local warehouse; needs the warehouse in an earlier phase. */
export function localRedshiftDataComponent(port: number): PlatformComponent {
  return {
    name: 'redshift-data',
    async start({ stack }) {
      if (stack.warehouseUrl === undefined)
        throw new Error('The local Redshift Data API needs the warehouse started in an earlier phase.');
      const api = await startLocalRedshiftData({
        warehouseUrl: stack.warehouseUrl,
        port,
        portSetting: describePortSetting('redshiftData', port),
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
