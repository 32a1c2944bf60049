import { apiGatewayRequest, type ApiGatewayRequest, type LambdaContextOptions } from '@retail/test-support';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface RequestParts extends Pick<ApiGatewayRequest, 'headers' | 'isBase64Encoded'> {
  body: string | null;
}

/** `POST /invoice-lines` as API Gateway (REST, Lambda proxy integration) hands it to the function. */
export function invoiceLinesRequest(request: RequestParts): APIGatewayProxyEvent {
  return apiGatewayRequest({ httpMethod: 'POST', resource: '/invoice-lines', ...request });
}

/** The function as osls deploys it to the test stage, for `lambdaContext`. */
export const PUT_INVOICE_LINES_FUNCTION: LambdaContextOptions = { functionName: 'retail-ingest-test-putInvoiceLines' };
