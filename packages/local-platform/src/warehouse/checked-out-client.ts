import type { Pool, PoolClient } from 'pg';

/**
 * Runs `use` on a connection checked out of `pool`, and gives it back (closed if it broke).
 *
 * pg-pool listens for a connection's 'error' only while it is idle: a checked-out connection whose server goes away
 * between two queries (the warehouse's server killed while a COPY reads S3) emits an 'error' nobody hears, and Node
 * ends the whole platform with it. Here the error is heard, `use` fails on its next query, and the broken connection
 * is closed rather than pooled. pg-pool has no option for it: its README's 'error' event is "Emitted whenever an idle
 * client in the pool encounters an error".
 */
export async function withCheckedOutClient<T>(pool: Pool, use: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken ??= error);
  client.on('error', onError);
  try {
    return await use(client);
  } finally {
    client.removeListener('error', onError);
    // release(error) closes the connection instead of pooling it.
    client.release(broken);
  }
}
