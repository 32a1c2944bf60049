import {
  ANALYTICS_VIEW_NAMES,
  AnalyticsQuerySchema,
  CustomerInvoicesPathSchema,
  CustomerInvoicesQuerySchema,
  INVOICE_NO_QUERY_PARAMETER,
  InvoiceItemsPathSchema,
  type AnalyticsQuery,
  type AnalyticsViewName,
  type CustomerInvoicesQuery,
  type ParameterProblem,
} from '@retail/api-contract';
import { fieldForColumnName } from '@retail/domain';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import { InvalidParametersError } from './visualization-errors';

type HttpRequest = Pick<APIGatewayProxyEvent, 'pathParameters' | 'queryStringParameters'>;

export interface CustomerInvoicesRequest extends CustomerInvoicesQuery {
  customerId: string;
}

/**
 * The invoice number of `GET /invoices/{invoiceNo}/items`, or of the query-string form the course's clients use
 * (`?InvoiceNo=536365`, or any other name the domain accepts for the column), checked by the domain's rule.
 */
export function readInvoiceNo(request: HttpRequest): string {
  if (request.pathParameters?.invoiceNo !== undefined) {
    return parsed(InvoiceItemsPathSchema, request.pathParameters, 'path').invoiceNo;
  }
  const sent = Object.entries(request.queryStringParameters ?? {}).find(
    ([name]) => fieldForColumnName(name) === 'invoiceNo',
  );
  if (sent === undefined) {
    throw new InvalidParametersError([
      {
        in: 'query',
        name: INVOICE_NO_QUERY_PARAMETER,
        message: `is required, e.g. ?${INVOICE_NO_QUERY_PARAMETER}=536365`,
      },
    ]);
  }
  const [name, value] = sent;
  return parsed(InvoiceItemsPathSchema, { invoiceNo: value }, 'query', { invoiceNo: name }).invoiceNo;
}

/** The customer, page size and page token of `GET /customers/{customerId}/invoices`; every problem at once. */
export function readCustomerInvoicesRequest(request: HttpRequest): CustomerInvoicesRequest {
  const path = CustomerInvoicesPathSchema.safeParse(request.pathParameters ?? {});
  const query = CustomerInvoicesQuerySchema.safeParse(request.queryStringParameters ?? {});
  const problems = [...problemsOf(path, 'path'), ...problemsOf(query, 'query')];
  if (!path.success || !query.success) throw new InvalidParametersError(problems);
  return { customerId: path.data.customerId, ...query.data };
}

function parsed<T>(
  schema: z.ZodType<T>,
  values: unknown,
  location: ParameterProblem['in'],
  sentNames: Record<string, string> = {},
): T {
  const result = schema.safeParse(values);
  if (!result.success) throw new InvalidParametersError(problemsOf(result, location, sentNames));
  return result.data;
}

function problemsOf(
  result: z.ZodSafeParseResult<unknown>,
  location: ParameterProblem['in'],
  sentNames: Record<string, string> = {},
): ParameterProblem[] {
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    return { in: location, name: sentNames[name] ?? name, message: issue.message };
  });
}

/** The date range and country of `GET /analytics/<view>`; every problem at once. */
export function readAnalyticsQuery(request: HttpRequest): AnalyticsQuery {
  return parsed(AnalyticsQuerySchema, request.queryStringParameters ?? {}, 'query');
}

/** The view of `GET /analytics/<view>`: the route's last segment (serverless.yml declares one route per view). */
export function readAnalyticsViewName(request: Pick<APIGatewayProxyEvent, 'resource' | 'path'>): AnalyticsViewName {
  const view = (request.resource || request.path).split('/').pop() ?? '';
  if (!(ANALYTICS_VIEW_NAMES as readonly string[]).includes(view))
    throw new Error(
      `${request.path} is routed to the analytics function but names no view of ${ANALYTICS_VIEW_NAMES.join(', ')}`,
    );
  return view as AnalyticsViewName;
}
