import type { Pool } from 'pg';
import { CopyFailedError, CopyFromS3, type S3ObjectSource } from '../redshift-data/copy-from-s3';
import { InvalidCopyError, UnsupportedCopyError } from '../redshift-data/copy-statement';
import { withCheckedOutClient } from '../warehouse/checked-out-client';
import { firehoseCopyText, type RedshiftCopyCommand } from './redshift-destination';

/** Where the COPY reads its manifest, objects and jsonpaths file: s3rver in the platform. */
export type ObjectReader = Pick<S3ObjectSource, 'getObject'>;

/** A COPY Redshift would fail: its row errors are in stl_load_errors; Firehose retries it, then gives up on it. */
export { CopyFailedError };

// The manifests the local Firehose has loaded, written in each COPY's transaction: a COPY replayed after a crash
// between its commit and the Firehose's checkpoint finds its manifest here and loads nothing twice.
const LOADED_MANIFESTS_DDL = `
CREATE TABLE IF NOT EXISTS public.local_firehose_loaded_manifests (
  delivery_stream varchar(64) NOT NULL, manifest varchar(1024) PRIMARY KEY, loaded_at timestamp NOT NULL DEFAULT now()
);`;

/**
 * A delivery stream's loads: for each staged manifest, the COPY text AWS Firehose builds from the CopyCommand
 * (firehoseCopyText), run by the platform's one COPY (CopyFromS3, which the local Data API runs too) in a transaction
 * that also records the manifest as loaded.
 */
export class RedshiftCopyExecutor {
  private prepared: Promise<void> | undefined;
  private readonly copyFromS3: CopyFromS3;

  constructor(
    private readonly pool: Pool,
    private readonly copy: RedshiftCopyCommand,
    objects: ObjectReader,
    private readonly deliveryStream: string,
  ) {
    this.copyFromS3 = new CopyFromS3(objects);
  }

  /** Loads the manifest; 'already-loaded' when an earlier run committed it. Throws CopyFailedError or a connection error. */
  async copyManifest(manifestBucket: string, manifestKey: string): Promise<'loaded' | 'already-loaded'> {
    this.prepared ??= this.pool.query(LOADED_MANIFESTS_DDL).then(
      () => undefined,
      (error: unknown) => {
        this.prepared = undefined;
        throw error;
      },
    );
    await this.prepared;
    const manifestUrl = `s3://${manifestBucket}/${manifestKey}`;
    return withCheckedOutClient<'loaded' | 'already-loaded'>(this.pool, async (client) => {
      await client.query('BEGIN');
      try {
        const loaded = await client.query('SELECT 1 FROM public.local_firehose_loaded_manifests WHERE manifest = $1', [
          manifestUrl,
        ]);
        if (loaded.rowCount) {
          await client.query('ROLLBACK');
          return 'already-loaded';
        }
        await this.copyFromS3.execute(client, firehoseCopyText(this.copy, manifestUrl), this.pool);
        await client.query(
          'INSERT INTO public.local_firehose_loaded_manifests (delivery_stream, manifest) VALUES ($1, $2)',
          [this.deliveryStream, manifestUrl],
        );
        await client.query('COMMIT');
        return 'loaded';
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (error instanceof UnsupportedCopyError || error instanceof InvalidCopyError)
          throw new CopyFailedError(error.message);
        throw error;
      }
    });
  }
}
