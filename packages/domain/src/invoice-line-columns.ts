/**
 * The columns of an invoice line, once. Every reader (JSON rows, CSV files, the API, the loader) maps the
 * names a client uses onto these fields; every writer of the data set's own layout uses `datasetName`.
 */
export const INVOICE_LINE_COLUMNS = [
  { field: 'invoiceNo', datasetName: 'InvoiceNo', aliases: ['InvoiceNo', 'invoiceNo', 'Invoice', 'invoice'] },
  { field: 'stockCode', datasetName: 'StockCode', aliases: ['StockCode', 'stockCode'] },
  { field: 'description', datasetName: 'Description', aliases: ['Description', 'description'] },
  { field: 'quantity', datasetName: 'Quantity', aliases: ['Quantity', 'quantity'] },
  { field: 'invoiceDate', datasetName: 'InvoiceDate', aliases: ['InvoiceDate', 'invoiceDate'] },
  { field: 'unitPrice', datasetName: 'UnitPrice', aliases: ['UnitPrice', 'unitPrice', 'Price', 'price'] },
  {
    field: 'customerId',
    datasetName: 'CustomerID',
    aliases: ['CustomerID', 'customerId', 'CustomerId', 'Customer ID'],
  },
  { field: 'country', datasetName: 'Country', aliases: ['Country', 'country'] },
  // Not a column of the data set: the line's 1-based position within its invoice, as the source gives it.
  { field: 'lineNo', datasetName: 'LineNo', aliases: ['LineNo', 'lineNo'] },
] as const;

export type InvoiceLineField = (typeof INVOICE_LINE_COLUMNS)[number]['field'];

/** The data set's header, in its order (without LineNo, which the data set does not have). */
export const DATASET_HEADER = INVOICE_LINE_COLUMNS.filter((c) => c.field !== 'lineNo').map((c) => c.datasetName);

const FIELD_BY_ALIAS = new Map<string, InvoiceLineField>(
  INVOICE_LINE_COLUMNS.flatMap((c) => c.aliases.map((alias) => [alias, c.field] as const)),
);

export function fieldForColumnName(name: string): InvoiceLineField | undefined {
  return FIELD_BY_ALIAS.get(name);
}

export function datasetNameOf(field: InvoiceLineField): string {
  return INVOICE_LINE_COLUMNS.find((c) => c.field === field)!.datasetName;
}

export const ACCEPTED_COLUMN_NAMES: readonly string[] = INVOICE_LINE_COLUMNS.flatMap((c) => c.aliases);
