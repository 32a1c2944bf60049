import { DEFAULT_BATCH_SIZE, DEFAULT_CONCURRENCY, UsageError } from '../../src/command/cli-args';
import { parseLoadArgs } from '../../src/load/load-args';
import { resolveIngestApi, StackConfigError } from '../../src/load/stack-config';

describe('load command line', () => {
  it('reads the file, flags and defaults', () => {
    expect(parseLoadArgs(['data.csv.gz', '--dry-run', '--batch-size', '250'])).toEqual({
      file: 'data.csv.gz',
      dryRun: true,
      json: false,
      batchSize: 250,
      concurrency: DEFAULT_CONCURRENCY,
      apiUrl: undefined,
      apiKey: undefined,
      help: false,
    });
    expect(parseLoadArgs([])).toMatchObject({ file: undefined, dryRun: false, batchSize: DEFAULT_BATCH_SIZE });
  });

  it('refuses a batch size the API would refuse, an unknown flag and two files', () => {
    expect(() => parseLoadArgs(['--batch-size', '6000'])).toThrow(
      new UsageError("--batch-size must be a whole number from 1 to 5000, got '6000'"),
    );
    expect(() => parseLoadArgs(['--concurrency', '0'])).toThrow(UsageError);
    expect(() => parseLoadArgs(['--batchsize', '10'])).toThrow(UsageError);
    expect(() => parseLoadArgs(['a.csv', 'b.csv'])).toThrow(/at most one file/);
  });
});

describe('which ingest API the loader sends to', () => {
  const local = { apiUrl: 'http://127.0.0.1:4000/local', apiKey: 'local-key' };
  const runningPlatform = async () => local;

  it('prefers flags, then RETAIL_API_URL/RETAIL_API_KEY, then the local platform', async () => {
    const env = { RETAIL_API_URL: 'https://abc.execute-api.eu-west-2.amazonaws.com/dev', RETAIL_API_KEY: 'dev-key' };
    const none = { apiUrl: undefined, apiKey: undefined };
    await expect(
      resolveIngestApi({ apiUrl: 'https://x.example/prod', apiKey: 'prod-key' }, env, runningPlatform),
    ).resolves.toEqual({ apiUrl: 'https://x.example/prod', apiKey: 'prod-key' });
    await expect(resolveIngestApi(none, env, runningPlatform)).resolves.toEqual({
      apiUrl: env.RETAIL_API_URL,
      apiKey: 'dev-key',
    });
    await expect(resolveIngestApi(none, {}, runningPlatform)).resolves.toEqual(local);
  });

  it('refuses a URL without its key rather than mixing a stage URL with the local key', async () => {
    await expect(
      resolveIngestApi({ apiUrl: 'https://x.example/prod', apiKey: undefined }, {}, runningPlatform),
    ).rejects.toThrow(/--api-url is set but --api-key is not/);
    await expect(
      resolveIngestApi({ apiUrl: undefined, apiKey: undefined }, { RETAIL_API_KEY: 'k' }, runningPlatform),
    ).rejects.toThrow(/RETAIL_API_KEY is set but RETAIL_API_URL is not/);
    await expect(resolveIngestApi({ apiUrl: 'localhost:4000', apiKey: 'k' }, {}, runningPlatform)).rejects.toThrow(
      StackConfigError,
    );
  });
});
