import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  consecutiveLinesOf,
  extendSummary,
  linesCountedThrough,
  summariseInvoice,
  type InvoiceLineEvent,
  type InvoiceSummary,
} from '@retail/domain';
import {
  DEFAULT_BATCH_RETRY,
  getItemsInBatches,
  putItemsInBatches,
  type BatchGetTarget,
  type BatchPutTarget,
  type DocumentClientSender,
  type DynamoDbItem,
} from './dynamodb-batch-calls';
import type { RetryPolicy } from './retry';
import {
  InvalidCursorError,
  type CustomerInvoicePage,
  type CustomerInvoicePageRequest,
  type InvoiceDetail,
  type InvoiceStore,
  type UnsavedInvoice,
} from './invoice-store';
import {
  isSummaryItem,
  LINES_COUNTED_THROUGH,
  lineFromItem,
  lineItem,
  summaryFromItem,
  summaryItem,
} from './invoice-table-items';
import {
  INVOICE_TABLE_KEYS as KEYS,
  LINE_SORT_KEY_PREFIX,
  SUMMARY_SORT_KEY,
  customerPartitionKey,
  invoicePartitionKey,
} from './invoice-table-keys';
import { mapWithConcurrency } from './map-with-concurrency';

export interface DynamoDbInvoiceStoreOptions {
  client: DocumentClientSender;
  tableName: string;
  retry?: RetryPolicy;
}

// A recount is one Query per invoice; a few in flight keep a batch of replayed lines quick.
const QUERIES_IN_FLIGHT = 8;
// What summariseInvoice and linesCountedThrough read of each line: a recount fetches no more than it needs.
const SUMMARISED_FIELDS = [
  'invoiceNo',
  'invoiceDate',
  'customerId',
  'country',
  'invoiceKind',
  'lineTotal',
  'lineNo',
] as const;
const CURSOR_KEYS = [KEYS.partitionKey, KEYS.sortKey, KEYS.customerPartitionKey, KEYS.customerSortKey] as const;

/** The InvoiceStore on one DynamoDB table (keys and items: invoice-table-keys.ts, invoice-table-items.ts). */
export class DynamoDbInvoiceStore implements InvoiceStore {
  private readonly client: DocumentClientSender;
  private readonly tableName: string;
  private readonly batchPut: BatchPutTarget;
  private readonly batchGet: BatchGetTarget;

  constructor(options: DynamoDbInvoiceStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.batchPut = {
      client: options.client,
      tableName: options.tableName,
      keyAttributes: [KEYS.partitionKey, KEYS.sortKey],
      retry: options.retry ?? DEFAULT_BATCH_RETRY,
    };
    this.batchGet = {
      client: options.client,
      tableName: options.tableName,
      retry: options.retry ?? DEFAULT_BATCH_RETRY,
    };
  }

  async saveInvoiceLines(lines: readonly InvoiceLineEvent[]): Promise<UnsavedInvoice[]> {
    const unsaved = new Map<string, string>();
    const markUnsaved = (invoiceNo: string, reason: string) => {
      if (!unsaved.has(invoiceNo)) unsaved.set(invoiceNo, reason);
    };
    const refused = new Map<string, { reason: string; lineIds: string[] }>();
    const markRefused = (invoiceNo: string, lineIds: readonly string[], reason: string) => {
      const invoice = refused.get(invoiceNo) ?? { reason, lineIds: [] };
      invoice.lineIds.push(...lineIds.filter((lineId) => !invoice.lineIds.includes(lineId)));
      refused.set(invoiceNo, invoice);
    };

    for (const { item, reason, refused: isRefused } of await putItemsInBatches(this.batchPut, lines.map(lineItem))) {
      const lineId = String(item.lineId);
      if (isRefused) markRefused(String(item.invoiceNo), [lineId], `line ${lineId} refused: ${reason}`);
      else markUnsaved(String(item.invoiceNo), `line ${lineId} not stored: ${reason}`);
    }

    // Every touched invoice, even one with an unstored line: its summary then matches the lines that are stored.
    const linesOfInvoice = new Map<string, InvoiceLineEvent[]>();
    for (const line of lines) {
      const group = linesOfInvoice.get(line.invoiceNo);
      if (group === undefined) linesOfInvoice.set(line.invoiceNo, [line]);
      else group.push(line);
    }
    const result = () =>
      [...linesOfInvoice.keys()].flatMap((invoiceNo): UnsavedInvoice[] => {
        const transient = unsaved.get(invoiceNo);
        if (transient !== undefined) return [{ invoiceNo, reason: transient }];
        const invalid = refused.get(invoiceNo);
        return invalid ? [{ invoiceNo, reason: invalid.reason, refusedLineIds: invalid.lineIds }] : [];
      });
    let storedSummaries: Map<string, DynamoDbItem>;
    try {
      storedSummaries = await this.readSummaries([...linesOfInvoice.keys()]);
    } catch (error) {
      for (const invoiceNo of linesOfInvoice.keys())
        markUnsaved(invoiceNo, `summary not read: ${(error as Error).message}`);
      return result();
    }
    const summaries = await mapWithConcurrency(
      [...linesOfInvoice],
      QUERIES_IN_FLIGHT,
      async ([invoiceNo, invoiceLines]) => {
        try {
          // A line not stored is not counted: such an invoice is recounted from the lines that are.
          const extended =
            unsaved.has(invoiceNo) || refused.has(invoiceNo)
              ? undefined
              : extendedSummaryItem(storedSummaries.get(invoiceNo), invoiceLines);
          return extended ?? (await this.recountSummary(invoiceNo));
        } catch (error) {
          markUnsaved(invoiceNo, `summary not recounted: ${(error as Error).message}`);
          return undefined;
        }
      },
    );
    const updated = summaries.filter((item): item is DynamoDbItem => item !== undefined);
    for (const { item, reason, refused: isRefused } of await putItemsInBatches(this.batchPut, updated)) {
      const invoiceNo = String(item.invoiceNo);
      // A summary DynamoDB refuses can never be stored: none of the invoice's lines here can complete.
      if (isRefused) {
        const lineIds = (linesOfInvoice.get(invoiceNo) ?? []).map((line) => line.lineId);
        markRefused(invoiceNo, lineIds, `summary refused: ${reason}`);
      } else markUnsaved(invoiceNo, `summary not stored: ${reason}`);
    }

    return result();
  }

  /** The stored summaries of these invoices by invoice number, read strongly consistent (BatchGetItem). */
  private async readSummaries(invoiceNos: readonly string[]): Promise<Map<string, DynamoDbItem>> {
    const keys = invoiceNos.map((invoiceNo) => ({
      [KEYS.partitionKey]: invoicePartitionKey(invoiceNo),
      [KEYS.sortKey]: SUMMARY_SORT_KEY,
    }));
    const items = await getItemsInBatches(this.batchGet, keys);
    return new Map(items.map((item) => [String(item.invoiceNo), item]));
  }

  /** The summary item recounted from every stored line of the invoice, or undefined when none is stored. */
  private async recountSummary(invoiceNo: string): Promise<DynamoDbItem | undefined> {
    const stored = await this.readLinesToSummarise(invoiceNo);
    return stored.length > 0 ? summaryItem(summariseInvoice(stored), linesCountedThrough(stored)) : undefined;
  }

  async getInvoice(invoiceNo: string): Promise<InvoiceDetail | undefined> {
    const items = await this.queryAll({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': KEYS.partitionKey },
      ExpressionAttributeValues: { ':pk': invoicePartitionKey(invoiceNo) },
    });
    const lines = items.filter((item) => !isSummaryItem(item)).map(lineFromItem);
    if (lines.length === 0) return undefined;
    const stored = items.find(isSummaryItem);
    // A batch that stored lines and then stopped leaves no summary yet; the lines say what it will be.
    const summary: InvoiceSummary = stored ? summaryFromItem(stored) : summariseInvoice(lines);
    return { summary, lines };
  }

  async listCustomerInvoices(customerId: string, page: CustomerInvoicePageRequest): Promise<CustomerInvoicePage> {
    if (!Number.isInteger(page.limit) || page.limit < 1)
      throw new RangeError(`limit must be a whole number from 1, got ${page.limit}`);
    const output = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: KEYS.byCustomerIndex,
        KeyConditionExpression: '#customerPk = :customerPk',
        ExpressionAttributeNames: { '#customerPk': KEYS.customerPartitionKey },
        ExpressionAttributeValues: { ':customerPk': customerPartitionKey(customerId) },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.cursor === undefined ? undefined : decodeCursor(page.cursor, customerId),
      }),
    );
    return {
      invoices: (output.Items ?? []).map(summaryFromItem),
      nextCursor: output.LastEvaluatedKey ? encodeCursor(output.LastEvaluatedKey) : null,
    };
  }

  /** Strongly consistent, so the lines this call has just put are all counted. */
  private readLinesToSummarise(invoiceNo: string) {
    return this.queryAll({
      ConsistentRead: true,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :line)',
      ProjectionExpression: SUMMARISED_FIELDS.map((field) => `#${field}`).join(', '),
      ExpressionAttributeNames: {
        '#pk': KEYS.partitionKey,
        '#sk': KEYS.sortKey,
        ...Object.fromEntries(SUMMARISED_FIELDS.map((field) => [`#${field}`, field])),
      },
      ExpressionAttributeValues: { ':pk': invoicePartitionKey(invoiceNo), ':line': LINE_SORT_KEY_PREFIX },
    }) as Promise<Pick<InvoiceLineEvent, (typeof SUMMARISED_FIELDS)[number]>[]>;
  }

  private async queryAll(query: Omit<QueryCommandInput, 'TableName'>): Promise<DynamoDbItem[]> {
    const items: DynamoDbItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.client.send(
        new QueryCommand({ ...query, TableName: this.tableName, ExclusiveStartKey: startKey }),
      );
      items.push(...(output.Items ?? []));
      startKey = output.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}

function encodeCursor(lastEvaluatedKey: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(lastEvaluatedKey)).toString('base64url');
}

function decodeCursor(cursor: string, customerId: string): Record<string, string> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const record = typeof key === 'object' && key !== null ? (key as Record<string, unknown>) : {};
  const wellFormed =
    Object.keys(record).length === CURSOR_KEYS.length && CURSOR_KEYS.every((name) => typeof record[name] === 'string');
  if (!wellFormed || record[KEYS.customerPartitionKey] !== customerPartitionKey(customerId)) {
    throw new InvalidCursorError(
      `'${cursor}' is not a cursor of customer ${customerId}'s invoice list: ask for the first page again without a cursor`,
    );
  }
  return record as Record<string, string>;
}

/**
 * The summary item after adding an invoice's lines of one batch without reading the lines already counted, or
 * undefined when that would not be exact and the invoice must be recounted. Exact: lines 1..m of an invoice with no
 * summary yet, or lines n+1..m added to a summary that counts exactly lines 1..n and is not dated after them (the
 * invoice's date, also in its customer list key, is its earliest line's). A replay, a retry, lines out of order or
 * without a number all recount. Reading, then writing, is safe because Lambda hands a shard's batches (and so an
 * invoice's, partitioned by invoice number) to one invocation at a time.
 */
function extendedSummaryItem(
  stored: DynamoDbItem | undefined,
  invoiceLines: readonly InvoiceLineEvent[],
): DynamoDbItem | undefined {
  const run = consecutiveLinesOf(invoiceLines);
  if (run === undefined) return undefined;
  if (stored === undefined) return run.firstLineNo === 1 ? summaryItem(run.summary, run.lastLineNo) : undefined;
  const counted = summaryFromItem(stored);
  if (stored[LINES_COUNTED_THROUGH] !== run.firstLineNo - 1 || counted.invoiceDate > run.summary.invoiceDate)
    return undefined;
  return summaryItem(extendSummary(counted, run.summary), run.lastLineNo);
}
