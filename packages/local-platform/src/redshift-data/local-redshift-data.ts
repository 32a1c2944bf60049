import { createServer, type Server } from 'node:http';
import { createS3Client } from '@retail/adapters';
import { assertPortFree, listenOn } from '../free-port';
import { LOCAL_CREDENTIALS, LOOPBACK_HOST } from '../platform-settings';
import { CopyFromS3, s3ObjectSource } from './copy-from-s3';
import { redshiftDataRequestListener, type RedshiftDataApiOptions } from './redshift-data-json-api';
import { RedshiftDataStatements, type RedshiftDataStatementsOptions } from './redshift-data-statements';

export interface LocalRedshiftDataOptions extends RedshiftDataApiOptions {
  /** The local warehouse's postgres:// URL. */
  warehouseUrl: string;
  /** 0 picks a free port. */
  port: number;
  /** Names the setting in the error for a busy port, e.g. RETAIL_REDSHIFT_DATA_PORT=4571. */
  portSetting?: string;
  /** The secrets a statement's SecretArn may name (RedshiftDataStatementsOptions). */
  secretLogins?: RedshiftDataStatementsOptions['secretLogins'];
  /** The local S3 a COPY reads (s3rver's endpoint); absent: COPY statements are refused. */
  s3?: { endpoint: string; region: string };
}

export interface LocalRedshiftData {
  /** http://127.0.0.1:port, for AWS_ENDPOINT_URL_REDSHIFT_DATA and `aws redshift-data --endpoint-url`. */
  endpoint: string;
  port: number;
  /** Stops accepting requests, lets running statements end, closes the connections. */
  stop(): Promise<void>;
}

/** Serves the Redshift Data API on loopback over the local warehouse. */
export async function startLocalRedshiftData(options: LocalRedshiftDataOptions): Promise<LocalRedshiftData> {
  if (options.port !== 0) await assertPortFree(options.port, options.portSetting ?? `port ${options.port}`);
  const s3 = options.s3
    ? createS3Client({
        region: options.s3.region,
        credentials: LOCAL_CREDENTIALS,
        endpoints: { s3: options.s3.endpoint },
      })
    : undefined;
  const statements = new RedshiftDataStatements({
    warehouseUrl: options.warehouseUrl,
    secretLogins: options.secretLogins,
    copyFromS3: s3 ? new CopyFromS3(s3ObjectSource(s3)) : undefined,
  });
  const server: Server = createServer(redshiftDataRequestListener(statements, options));
  // The SDK keeps connections alive between polls: without this, close() would wait for them to time out.
  server.keepAliveTimeout = 5_000;
  const port = await listenOn(server, options.port, LOOPBACK_HOST);
  return {
    endpoint: `http://${LOOPBACK_HOST}:${port}`,
    port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await statements.close();
      s3?.destroy();
      server.closeAllConnections();
      await closed;
    },
  };
}
