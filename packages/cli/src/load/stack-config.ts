import { readStackFile } from '@retail/local-platform';
import type { IngestApiTarget } from './ingest-api-client';

export class StackConfigError extends Error {
  override readonly name = 'StackConfigError';
}

/** The API of the running local platform, from the stack file `npm start` writes (and checks is not stale). */
export async function readLocalIngestApi(): Promise<IngestApiTarget> {
  try {
    const { apiUrl, apiKey } = await readStackFile();
    return { apiUrl, apiKey };
  } catch (error) {
    throw new StackConfigError(
      `${(error as Error).message} For a deployed stage give --api-url and --api-key (or RETAIL_API_URL and RETAIL_API_KEY); --dry-run needs neither.`,
    );
  }
}

/**
 * Flags first, then RETAIL_API_URL / RETAIL_API_KEY (a deployed stage), then the local platform. URL and key
 * come from one place together: a deployed URL with the local key (or the reverse) can only fail.
 */
export async function resolveIngestApi(
  flags: { apiUrl: string | undefined; apiKey: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
  readLocal: () => Promise<IngestApiTarget> = readLocalIngestApi,
): Promise<IngestApiTarget> {
  return (
    pair(flags.apiUrl, flags.apiKey, '--api-url', '--api-key') ??
    pair(env.RETAIL_API_URL, env.RETAIL_API_KEY, 'RETAIL_API_URL', 'RETAIL_API_KEY') ??
    readLocal()
  );
}

function pair(
  url: string | undefined,
  key: string | undefined,
  urlName: string,
  keyName: string,
): IngestApiTarget | undefined {
  if (!url && !key) return undefined;
  if (!url)
    throw new StackConfigError(`${keyName} is set but ${urlName} is not: give both, the key belongs to one API`);
  if (!key)
    throw new StackConfigError(`${urlName} is set but ${keyName} is not: give both, the key belongs to one API`);
  if (!/^https?:\/\//.test(url)) throw new StackConfigError(`${urlName} must be an http(s) URL, got '${url}'`);
  return { apiUrl: url, apiKey: key };
}
