import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { consecutiveLinesOf, linesCountedThrough, summariseInvoice, type InvoiceLineEvent, type InvoiceSummary } from '@retail/domain';
import { DEFAULT_BATCH_PUT_RETRY, putItemsInBatches, type BatchPutRetryPolicy, type BatchPutTarget, type DocumentClientSender, type DynamoDbItem } from './dynamodb-batch-put';
import {
  InvalidCursorError,
  type CustomerInvoicePage,
  type CustomerInvoicePageRequest,
  type InvoiceDetail,
  type InvoiceStore,
  type UnsavedInvoice,
} from './invoice-store';
import { isSummaryItem, LINES_COUNTED_THROUGH, lineFromItem, lineItem, summaryFromItem, summaryItem } from './invoice-table-items';
import { INVOICE_TABLE_KEYS as KEYS, LINE_SORT_KEY_PREFIX, SUMMARY_SORT_KEY, customerPartitionKey, invoicePartitionKey } from './invoice-table-keys';
import { mapWithConcurrency } from './map-with-concurrency';

export interface DynamoDbInvoiceStoreOptions {
  client: DocumentClientSender;
  tableName: string;
  retry?: BatchPutRetryPolicy;
}

// One summary update (and at times a Query) per invoice touched by a batch; a few in flight keep a large batch quick.
const CALLS_IN_FLIGHT = 8;
// What summariseInvoice and linesCountedThrough read of each line: a recount fetches no more than it needs.
const SUMMARISED_FIELDS = ['invoiceNo', 'invoiceDate', 'customerId', 'country', 'invoiceKind', 'lineTotal', 'lineNo'] as const;
const CURSOR_KEYS = [KEYS.partitionKey, KEYS.sortKey, KEYS.customerPartitionKey, KEYS.customerSortKey] as const;

/** The InvoiceStore on one DynamoDB table (keys and items: invoice-table-keys.ts, invoice-table-items.ts). */
export class DynamoDbInvoiceStore implements InvoiceStore {
  private readonly client: DocumentClientSender;
  private readonly tableName: string;
  private readonly batchPut: BatchPutTarget;

  constructor(options: DynamoDbInvoiceStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.batchPut = {
      client: options.client,
      tableName: options.tableName,
      keyAttributes: [KEYS.partitionKey, KEYS.sortKey],
      retry: options.retry ?? DEFAULT_BATCH_PUT_RETRY,
    };
  }

  async saveInvoiceLines(lines: readonly InvoiceLineEvent[]): Promise<UnsavedInvoice[]> {
    const unsaved = new Map<string, string>();
    const markUnsaved = (invoiceNo: string, reason: string) => {
      if (!unsaved.has(invoiceNo)) unsaved.set(invoiceNo, reason);
    };

    for (const { item, reason } of await putItemsInBatches(this.batchPut, lines.map(lineItem))) {
      markUnsaved(String(item.invoiceNo), `line ${String(item.lineId)} not stored: ${reason}`);
    }

    // Every touched invoice, even one with an unstored line: its summary then matches the lines that are stored.
    const linesOfInvoice = new Map<string, InvoiceLineEvent[]>();
    for (const line of lines) {
      const group = linesOfInvoice.get(line.invoiceNo);
      if (group === undefined) linesOfInvoice.set(line.invoiceNo, [line]);
      else group.push(line);
    }
    const recounts = await mapWithConcurrency([...linesOfInvoice], CALLS_IN_FLIGHT, async ([invoiceNo, invoiceLines]) => {
      try {
        if (unsaved.has(invoiceNo) || !(await this.addToSummary(invoiceLines))) return await this.recountSummary(invoiceNo);
      } catch (error) {
        markUnsaved(invoiceNo, `summary not updated: ${(error as Error).message}`);
      }
      return undefined;
    });
    const recounted = recounts.filter((item): item is DynamoDbItem => item !== undefined);
    for (const { item, reason } of await putItemsInBatches(this.batchPut, recounted)) {
      markUnsaved(String(item.invoiceNo), `summary not stored: ${reason}`);
    }

    return [...unsaved].map(([invoiceNo, reason]) => ({ invoiceNo, reason }));
  }

  /**
   * The common case, without reading lines: lines n+1..m of an invoice whose summary counts exactly lines 1..n (or
   * lines 1..m of an invoice with no summary yet) are added to it, under a condition that says so. False when the
   * lines are not such a run or the condition fails (a replay, lines out of order): the caller recounts.
   */
  private async addToSummary(invoiceLines: readonly InvoiceLineEvent[]): Promise<boolean> {
    const run = consecutiveLinesOf(invoiceLines);
    if (run === undefined) return false;
    const { summary } = run;
    try {
      if (run.firstLineNo === 1) {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: summaryItem(summary, run.lastLineNo),
            ConditionExpression: 'attribute_not_exists(#sk)',
            ExpressionAttributeNames: { '#sk': KEYS.sortKey },
          }),
        );
      } else {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [KEYS.partitionKey]: invoicePartitionKey(summary.invoiceNo), [KEYS.sortKey]: SUMMARY_SORT_KEY },
            // The invoice's date is its earliest line's, which is also in its customer list key: an earlier line recounts.
            ConditionExpression: '#through = :countedThrough AND #invoiceDate <= :earliestDate',
            // DynamoDB adds numbers as exact decimals: totals of at most 3 decimal places stay exact.
            UpdateExpression: 'SET #through = :lastLineNo, #lineCount = #lineCount + :lineCount, #total = #total + :total',
            ExpressionAttributeNames: { '#through': LINES_COUNTED_THROUGH, '#invoiceDate': 'invoiceDate', '#lineCount': 'lineCount', '#total': 'total' },
            ExpressionAttributeValues: {
              ':countedThrough': run.firstLineNo - 1,
              ':earliestDate': summary.invoiceDate,
              ':lastLineNo': run.lastLineNo,
              ':lineCount': summary.lineCount,
              ':total': summary.total,
            },
          }),
        );
      }
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
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
    if (!Number.isInteger(page.limit) || page.limit < 1) throw new RangeError(`limit must be a whole number from 1, got ${page.limit}`);
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
      const output = await this.client.send(new QueryCommand({ ...query, TableName: this.tableName, ExclusiveStartKey: startKey }));
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
  const wellFormed = Object.keys(record).length === CURSOR_KEYS.length && CURSOR_KEYS.every((name) => typeof record[name] === 'string');
  if (!wellFormed || record[KEYS.customerPartitionKey] !== customerPartitionKey(customerId)) {
    throw new InvalidCursorError(`'${cursor}' is not a cursor of customer ${customerId}'s invoice list: ask for the first page again without a cursor`);
  }
  return record as Record<string, string>;
}
