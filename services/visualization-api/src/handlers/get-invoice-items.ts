import type { InvoiceStore } from '@retail/adapters';
import { okResponse, type HttpHandler } from '@retail/lambda-plumbing';
import { handleHttpRequest, invoiceStoreFromEnvironment } from '../composition';
import { lookUpInvoiceItems } from '../look-up-invoices';
import { readInvoiceNo } from '../request-parameters';

/** GET /invoices/{invoiceNo}/items, and its query-string forms (?InvoiceNo=): the invoice and its lines. */
export function getInvoiceItemsHandler(store: InvoiceStore): HttpHandler {
  return handleHttpRequest(async (event) => okResponse(await lookUpInvoiceItems(store, readInvoiceNo(event))));
}

export const handler = getInvoiceItemsHandler(invoiceStoreFromEnvironment());
