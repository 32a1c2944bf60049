/**
 * The invoice table's keys, once. resources/dynamodb.yml declares the same attribute and index names (CloudFormation
 * cannot import them; packages/adapters/test/invoice-table-keys.test.ts fails if the two drift apart).
 *
 *   invoice line     pk = INVOICE#<invoiceNo>   sk = LINE#<position>          (one item per lineId)
 *   invoice summary  pk = INVOICE#<invoiceNo>   sk = SUMMARY
 *                    customerPk = CUSTOMER#<customerId>   customerSk = <invoiceDate>#<invoiceNo>   (GSI byCustomer)
 */
export const INVOICE_TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  byCustomerIndex: 'byCustomer',
  customerPartitionKey: 'customerPk',
  customerSortKey: 'customerSk',
} as const;

export const LINE_SORT_KEY_PREFIX = 'LINE#';
// 'S' sorts after 'L': an invoice's Query returns its lines in line order, then its summary.
export const SUMMARY_SORT_KEY = 'SUMMARY';

// Wide enough for every line number the domain accepts (safe integers), so key order is line order for all of them.
const POSITION_DIGITS = String(Number.MAX_SAFE_INTEGER).length;
const POSITIONAL_LINE = /^(?<invoiceNo>.+):(?<lineNo>[1-9]\d*)$/;
const CONTENT_LINE = /^(?<invoiceNo>.+):c-(?<hash>[0-9a-f]+)-(?<occurrence>[1-9]\d*)$/;

export function invoicePartitionKey(invoiceNo: string): string {
  return `INVOICE#${invoiceNo}`;
}

/**
 * The sort key of a line, from its lineId (see the domain's line-identity.ts), one-to-one: `<invoiceNo>:<lineNo>`
 * becomes LINE#<lineNo zero-padded>, in line order; `<invoiceNo>:c-<hash>-<n>` (lines sent without a position)
 * becomes LINE#c-<hash>-<n zero-padded>, after every positioned line; any other id is kept whole after a `~`.
 */
export function lineSortKey(invoiceNo: string, lineId: string): string {
  const positional = POSITIONAL_LINE.exec(lineId)?.groups;
  if (positional?.invoiceNo === invoiceNo) return `${LINE_SORT_KEY_PREFIX}${pad(positional.lineNo!)}`;
  const content = CONTENT_LINE.exec(lineId)?.groups;
  if (content?.invoiceNo === invoiceNo) return `${LINE_SORT_KEY_PREFIX}c-${content.hash}-${pad(content.occurrence!)}`;
  return `${LINE_SORT_KEY_PREFIX}~${lineId}`;
}

export function customerPartitionKey(customerId: string): string {
  return `CUSTOMER#${customerId}`;
}

/** ISO dates sort as text, so a descending Query on this key lists a customer's invoices newest first. */
export function customerSortKey(invoiceDate: string, invoiceNo: string): string {
  return `${invoiceDate}#${invoiceNo}`;
}

function pad(digits: string): string {
  return digits.padStart(POSITION_DIGITS, '0');
}
