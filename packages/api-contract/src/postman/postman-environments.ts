/**
 * The variables the collection reads. Locally both APIs share one base URL and key (`baseUrl`, `apiKey`); on AWS
 * ingest is a REST API of its own with its own key, so `ingestBaseUrl` and `ingestApiKey` default to the shared ones
 * in the collection and a deployed environment sets them apart.
 */
export const POSTMAN_VARIABLES = {
  baseUrl: 'baseUrl',
  apiKey: 'apiKey',
  ingestBaseUrl: 'ingestBaseUrl',
  ingestApiKey: 'ingestApiKey',
} as const;

export interface PostmanEnvironment {
  id: string;
  name: string;
  values: { key: string; value: string; type: 'default' | 'secret'; enabled: true }[];
  _postman_variable_scope: 'environment';
}

export interface ApiTarget {
  /** Base URL including the stage, e.g. http://127.0.0.1:4000/local. */
  apiUrl: string;
  apiKey: string;
}

/** The environment of a running local platform (its stack.json's apiUrl and apiKey). */
export function localEnvironment({ apiUrl, apiKey }: ApiTarget): PostmanEnvironment {
  return environment('1f0c3c56-3a43-4c54-9d4c-6f2a4d1f7a10', 'retail local platform', [
    [POSTMAN_VARIABLES.baseUrl, apiUrl, 'default'],
    [POSTMAN_VARIABLES.apiKey, apiKey, 'secret'],
  ]);
}

/** Placeholders for a deployed stage: `sls info --stage <stage>` in each service shows its URL and key name. */
export function deployedEnvironment(): PostmanEnvironment {
  return environment('8a3b4d0e-2f1c-4f5e-9b7a-0c6d5e4f3a21', 'retail deployed stage', [
    [POSTMAN_VARIABLES.baseUrl, 'https://VISUALIZATION-REST-API-ID.execute-api.eu-west-2.amazonaws.com/dev', 'default'],
    [POSTMAN_VARIABLES.apiKey, 'VALUE-OF-API-KEY-retail-dev-visualization', 'secret'],
    [POSTMAN_VARIABLES.ingestBaseUrl, 'https://INGEST-REST-API-ID.execute-api.eu-west-2.amazonaws.com/dev', 'default'],
    [POSTMAN_VARIABLES.ingestApiKey, 'VALUE-OF-API-KEY-retail-dev-ingest', 'secret'],
  ]);
}

function environment(id: string, name: string, values: [string, string, 'default' | 'secret'][]): PostmanEnvironment {
  return {
    id,
    name,
    values: values.map(([key, value, type]) => ({ key, value, type, enabled: true })),
    _postman_variable_scope: 'environment',
  };
}
