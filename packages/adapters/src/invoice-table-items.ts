import { InvoiceLineEventSchema, type InvoiceLineEvent, type InvoiceSummary } from '@retail/domain';
import type { DynamoDbItem } from './dynamodb-batch-calls';
import {
  INVOICE_TABLE_KEYS as KEYS,
  SUMMARY_SORT_KEY,
  customerPartitionKey,
  customerSortKey,
  invoicePartitionKey,
  lineSortKey,
} from './invoice-table-keys';

/**
 * The items of the invoice table: each holds its keys, an `itemType`, and the domain's own camelCase fields. Money
 * (unitPrice, lineTotal, total) is written as a DynamoDB number from the domain's doubles, each the nearest double to
 * a decimal of at most 3 places, which the SDK prints as exactly that decimal (15.3, not 15.299999999999999).
 */
export const ITEM_TYPES = { line: 'invoiceLine', summary: 'invoiceSummary' } as const;

const LINE_FIELDS = Object.keys(InvoiceLineEventSchema.shape) as (keyof InvoiceLineEvent)[];

export function lineItem(line: InvoiceLineEvent): DynamoDbItem {
  return {
    [KEYS.partitionKey]: invoicePartitionKey(line.invoiceNo),
    [KEYS.sortKey]: lineSortKey(line.invoiceNo, line.lineId),
    itemType: ITEM_TYPES.line,
    ...line,
  };
}

/**
 * On a summary: n when it counts exactly the invoice's lines 1..n, so lines n+1.. can be added to it without reading
 * the lines already counted; absent when it counts anything else (then the next lines make it recount).
 */
export const LINES_COUNTED_THROUGH = 'linesCountedThrough';

/** Only an invoice with a customer gets the byCustomer index keys: the index is sparse and lists customers' invoices. */
export function summaryItem(summary: InvoiceSummary, linesCountedThrough: number | undefined): DynamoDbItem {
  const customerKeys =
    summary.customerId === null
      ? {}
      : {
          [KEYS.customerPartitionKey]: customerPartitionKey(summary.customerId),
          [KEYS.customerSortKey]: customerSortKey(summary.invoiceDate, summary.invoiceNo),
        };
  return {
    [KEYS.partitionKey]: invoicePartitionKey(summary.invoiceNo),
    [KEYS.sortKey]: SUMMARY_SORT_KEY,
    itemType: ITEM_TYPES.summary,
    ...summary,
    ...customerKeys,
    ...(linesCountedThrough === undefined ? {} : { [LINES_COUNTED_THROUGH]: linesCountedThrough }),
  };
}

export function lineFromItem(item: DynamoDbItem): InvoiceLineEvent {
  return Object.fromEntries(LINE_FIELDS.map((field) => [field, item[field]])) as InvoiceLineEvent;
}

export function summaryFromItem(item: DynamoDbItem): InvoiceSummary {
  const { invoiceNo, invoiceDate, customerId, country, invoiceKind, isCancellation, lineCount, total } =
    item as unknown as InvoiceSummary;
  return { invoiceNo, invoiceDate, customerId, country, invoiceKind, isCancellation, lineCount, total };
}

export function isSummaryItem(item: DynamoDbItem): boolean {
  return item[KEYS.sortKey] === SUMMARY_SORT_KEY;
}
