import type { InvoiceStore } from '@retail/adapters';
import { okResponse, type HttpHandler } from '@retail/lambda-plumbing';
import { handleHttpRequest, invoiceStoreFromEnvironment } from '../composition';
import { lookUpCustomerInvoices } from '../look-up-invoices';
import { readCustomerInvoicesRequest } from '../request-parameters';

/** GET /customers/{customerId}/invoices: one page of the customer's invoices, newest first. */
export function listCustomerInvoicesHandler(store: InvoiceStore): HttpHandler {
  return handleHttpRequest(async (event) =>
    okResponse(await lookUpCustomerInvoices(store, readCustomerInvoicesRequest(event))),
  );
}

export const handler = listCustomerInvoicesHandler(invoiceStoreFromEnvironment());
