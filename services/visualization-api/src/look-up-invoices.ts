import { InvalidCursorError, type InvoiceStore } from '@retail/adapters';
import type { CustomerInvoicesBody, InvoiceItemsBody } from '@retail/api-contract';
import type { CustomerInvoicesRequest } from './request-parameters';
import { InvalidPageTokenError, InvoiceNotFoundError } from './visualization-errors';

/** An invoice and its lines in source order, as the API answers them; InvoiceNotFoundError when none is stored. */
export async function lookUpInvoiceItems(store: InvoiceStore, invoiceNo: string): Promise<InvoiceItemsBody> {
  const found = await store.getInvoice(invoiceNo);
  if (found === undefined) throw new InvoiceNotFoundError(invoiceNo);
  const { summary, lines } = found;
  return {
    invoice: {
      invoiceNo: summary.invoiceNo,
      invoiceDate: summary.invoiceDate,
      customerId: summary.customerId,
      country: summary.country,
      isCancellation: summary.isCancellation,
      lineCount: summary.lineCount,
      total: summary.total,
    },
    items: lines.map((line) => ({
      lineNo: line.lineNo,
      stockCode: line.stockCode,
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineTotal: line.lineTotal,
    })),
  };
}

/** One page of the customer's invoices, newest first, as the API answers it. */
export async function lookUpCustomerInvoices(
  store: InvoiceStore,
  request: CustomerInvoicesRequest,
): Promise<CustomerInvoicesBody> {
  const page = await store
    .listCustomerInvoices(request.customerId, { limit: request.limit, cursor: request.nextToken })
    .catch((error: unknown) => {
      // The store's cursor is the API's page token: a bad one is the request's fault, a 400.
      throw error instanceof InvalidCursorError ? new InvalidPageTokenError(error.message) : error;
    });
  return {
    customerId: request.customerId,
    invoices: page.invoices.map((invoice) => ({
      invoiceNo: invoice.invoiceNo,
      invoiceDate: invoice.invoiceDate,
      country: invoice.country,
      isCancellation: invoice.isCancellation,
      lineCount: invoice.lineCount,
      total: invoice.total,
    })),
    nextToken: page.nextCursor,
  };
}
