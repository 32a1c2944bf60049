import {
  captureEmittedMetrics,
  EMF_TO_CONSOLE_ENVIRONMENT,
  lambdaContext,
  type EmittedMetrics,
} from '@retail/test-support';
import type { APIGatewayProxyEvent, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { countMetrics, handleKinesisBatch, HttpError, httpRequestHandling, okResponse } from '../src';

// Set before the plumbing creates its metrics (on first use), as serverless.yml sets them on AWS.
Object.assign(process.env, EMF_TO_CONSOLE_ENVIRONMENT, {
  POWERTOOLS_SERVICE_NAME: 'tea-service',
  POWERTOOLS_METRICS_NAMESPACE: 'Retail/test',
});

class TeapotError extends HttpError {
  readonly statusCode = 418;
}

const record = (sequenceNumber: string) => ({ kinesis: { sequenceNumber } }) as KinesisStreamRecord;
const batch: KinesisStreamEvent = { Records: ['1', '2', '3'].map(record) };
const request = { path: '/tea', requestContext: { requestId: 'api-request' } } as APIGatewayProxyEvent;
const context = lambdaContext({ functionName: 'tea' });

let emitted: () => EmittedMetrics[];
beforeEach(() => {
  emitted = captureEmittedMetrics();
});
afterEach(() => jest.restoreAllMocks());

describe('handleKinesisBatch', () => {
  it("publishes one EMF line per batch: the records received and those reported for retry, under the service's namespace", async () => {
    const handler = handleKinesisBatch(async () => ({ batchItemFailures: [{ itemIdentifier: '2' }] }));

    await handler(batch, context);

    expect(emitted()).toEqual([
      {
        namespace: 'Retail/test',
        dimensions: { service: 'tea-service' },
        values: { BatchRecords: 3, BatchItemFailures: 1 },
      },
    ]);
  });

  it('publishes what the consumer counted even when the batch fails as a whole', async () => {
    const handler = handleKinesisBatch(async () => {
      countMetrics({ LinesSaved: 2 });
      throw new Error('the table is gone');
    });

    await expect(handler(batch, context)).rejects.toThrow('the table is gone');

    expect(emitted().map(({ values }) => values)).toEqual([{ LinesSaved: 2 }]);
  });
});

describe('httpRequestHandling', () => {
  const handleHttpRequest = httpRequestHandling({ unexpectedErrorMessage: 'it broke; try again' });

  it('publishes what the request counted, answered or refused, and writes no EMF line when it counted nothing', async () => {
    await handleHttpRequest(async () => {
      countMetrics({ AcceptedRows: 3 });
      return okResponse({});
    })(request, context);
    await handleHttpRequest(async () => {
      countMetrics({ RejectedRows: 1 });
      throw new TeapotError('no coffee here');
    })(request, context);
    await handleHttpRequest(async () => okResponse({}))(request, context);

    expect(emitted().map(({ values }) => values)).toEqual([{ AcceptedRows: 3 }, { RejectedRows: 1 }]);
  });
});
