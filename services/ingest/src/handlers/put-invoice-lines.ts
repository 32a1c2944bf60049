import type { InvoiceLineStream } from '@retail/adapters';
import type { HttpHandler } from '@retail/lambda-plumbing';
import { acceptInvoiceLines } from '../accept-invoice-lines';
import { handleHttpRequest, invoiceLineStream } from '../composition';
import { acceptedResponse } from '../http-responses';
import { readRequestRows } from '../read-request-rows';

/** POST /invoice-lines: request -> rows -> validated lines on the stream -> 202 with each row's line id. */
export function putInvoiceLinesHandler(stream: InvoiceLineStream): HttpHandler {
  return handleHttpRequest(async (event) => acceptedResponse(await acceptInvoiceLines(readRequestRows(event), stream)));
}

export const handler = putInvoiceLinesHandler(invoiceLineStream);
