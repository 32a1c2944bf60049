import type { InvoiceLineStream } from '@retail/adapters';
import { acceptInvoiceLines } from '../accept-invoice-lines';
import { invoiceLineStream } from '../composition';
import { handleHttpRequest, type HttpHandler } from '../handle-http-request';
import { acceptedResponse } from '../http-responses';
import { readRequestRows } from '../read-request-rows';

/** POST /invoice-lines: request -> rows -> validated lines on the stream -> 202 with each row's line id. */
export function putInvoiceLinesHandler(stream: InvoiceLineStream): HttpHandler {
  return handleHttpRequest(async (event) => acceptedResponse(await acceptInvoiceLines(readRequestRows(event), stream)));
}

export const handler = putInvoiceLinesHandler(invoiceLineStream);
