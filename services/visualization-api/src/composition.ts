import { createInvoiceStoreFromEnvironment, type InvoiceStore } from '@retail/adapters';

/** The visualization API's store, built once per Lambda environment: a missing INVOICE_TABLE_NAME fails the cold start. */
export const invoiceStore: InvoiceStore = createInvoiceStoreFromEnvironment();
