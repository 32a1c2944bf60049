import newman from 'newman';
import { COLLECTION_FILE, localEnvironment, type ApiTarget } from '@retail/api-contract/postman';

export interface PostmanRunOptions extends ApiTarget {
  /** Print newman's CLI report (default true). */
  report?: boolean;
}

export interface PostmanRunResult {
  requests: number;
  assertions: number;
  /** Empty when every request ran and every test passed. */
  failures: { request: string; test: string; message: string }[];
}

/**
 * Runs postman/retail-api.postman_collection.json with newman against one platform (apiUrl with its stage, and its
 * key): the end-to-end suite calls it after loading the sample, `npm run test:postman` against `npm start`.
 */
export function runPostmanCollection({ apiUrl, apiKey, report = true }: PostmanRunOptions): Promise<PostmanRunResult> {
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: COLLECTION_FILE,
        environment: localEnvironment({ apiUrl, apiKey }),
        reporters: report ? ['cli'] : [],
        timeoutRequest: 30_000,
      },
      (error, summary) => {
        if (error) {
          reject(error);
          return;
        }
        const { stats, failures } = summary.run;
        resolve({
          requests: stats.requests.total,
          assertions: stats.assertions.total,
          failures: failures.map((failure) => ({
            request: failure.source?.name ?? '',
            test: failure.error.test ?? failure.error.name,
            message: failure.error.message,
          })),
        });
      },
    );
  });
}
