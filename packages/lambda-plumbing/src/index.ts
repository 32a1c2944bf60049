// What every Lambda function of the platform shares; a service wires these in its src/composition.ts.
export { requiredEnvironmentVariable } from './environment-configuration';
export { handleEvent, handleKinesisBatch } from './handle-event';
export { httpRequestHandling, type HttpAnswer, type HttpHandler, type HttpServiceOptions } from './handle-http-request';
export { HttpError } from './http-error';
export { jsonResponse, okResponse } from './json-response';
export { serviceLogger } from './logger';
export { countMetrics, serviceMetrics } from './metrics';
export type { Logger } from '@aws-lambda-powertools/logger';
