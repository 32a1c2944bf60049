import {
  createDynamoDbDocumentClient,
  DynamoDbInvoiceStore,
  type CustomerInvoicePageRequest,
  type InvoiceStore,
} from '@retail/adapters';
import {
  CustomerInvoicesBodySchema,
  InvalidParametersBodySchema,
  type CustomerInvoicesBody,
} from '@retail/api-contract';
import { customerInvoicesNewestFirst, sampleInvoices, type SampleInvoice } from './support/sample-invoices';
import { startVisualizationApiUnderTest, type VisualizationApiUnderTest } from './support/visualization-api-under-test';

const ROUTE = '/customers/{customerId}/invoices';

let api: VisualizationApiUnderTest;
let invoices: Map<string, SampleInvoice>;

beforeAll(async () => {
  api = await startVisualizationApiUnderTest();
  invoices = sampleInvoices(api.sampleRows);
});

afterAll(async () => {
  await api?.stop();
});

const pageOf = (customerId: string, query?: Record<string, string>) =>
  api.get(api.listCustomerInvoices, { resource: ROUTE, pathParameters: { customerId }, queryStringParameters: query });

async function allPages(customerId: string, limit: number): Promise<CustomerInvoicesBody[]> {
  const pages: CustomerInvoicesBody[] = [];
  let nextToken: string | null = null;
  do {
    const answer = await pageOf(customerId, { limit: String(limit), ...(nextToken === null ? {} : { nextToken }) });
    expect(answer.statusCode).toBe(200);
    const page = CustomerInvoicesBodySchema.parse(answer.body);
    pages.push(page);
    nextToken = page.nextToken;
  } while (nextToken !== null && pages.length < 100);
  return pages;
}

describe('GET /customers/{customerId}/invoices', () => {
  it("lists customer 17850's invoices newest first, each with date, country, line count and exact total", async () => {
    const expected = customerInvoicesNewestFirst(invoices, '17850');

    const answer = await pageOf('17850', { limit: '100' });

    expect(answer.statusCode).toBe(200);
    const body = CustomerInvoicesBodySchema.parse(answer.body);
    expect(body.customerId).toBe('17850');
    expect(body.nextToken).toBeNull();
    expect(expected.length).toBe(14);
    expect(body.invoices.map((invoice) => invoice.invoiceDate)).toEqual(expected.map((invoice) => invoice.invoiceDate));
    expect(new Set(body.invoices.map((invoice) => invoice.invoiceNo))).toEqual(
      new Set(expected.map((invoice) => invoice.invoiceNo)),
    );
    for (const invoice of body.invoices) {
      const file = invoices.get(invoice.invoiceNo)!;
      expect(invoice).toEqual({
        invoiceNo: file.invoiceNo,
        invoiceDate: file.invoiceDate,
        country: file.country,
        isCancellation: file.invoiceNo.startsWith('C'),
        lineCount: file.rows.length,
        total: file.totalMilli / 1000,
      });
    }
    expect(body.invoices.at(-1)).toMatchObject({ invoiceNo: '536365', lineCount: 7, total: 139.12 });
  });

  it.each([1, 3, 7, 13])(
    'pages of %p cover every invoice once, newest first, and end with nextToken null',
    async (limit) => {
      const whole = CustomerInvoicesBodySchema.parse((await pageOf('17850', { limit: '100' })).body).invoices;

      const pages = await allPages('17850', limit);

      for (const page of pages) expect(page.invoices.length).toBeLessThanOrEqual(limit);
      const paged = pages.flatMap((page) => page.invoices);
      expect(paged).toEqual(whole);
      expect(new Set(paged.map((invoice) => invoice.invoiceNo)).size).toBe(paged.length);
      expect(pages.at(-1)!.nextToken).toBeNull();
      expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(whole.length / limit));
    },
  );

  it('asks the store for 20 invoices when no limit is given', async () => {
    const asked: CustomerInvoicePageRequest[] = [];
    const store = new DynamoDbInvoiceStore({
      client: createDynamoDbDocumentClient(),
      tableName: process.env.INVOICE_TABLE_NAME!,
    });
    const recording: InvoiceStore = {
      saveInvoiceLines: (lines) => store.saveInvoiceLines(lines),
      getInvoice: (invoiceNo) => store.getInvoice(invoiceNo),
      listCustomerInvoices: (customerId, page) => {
        asked.push(page);
        return store.listCustomerInvoices(customerId, page);
      },
    };

    const answer = await api.get(api.listCustomerInvoicesOn(recording), {
      resource: ROUTE,
      pathParameters: { customerId: '17850' },
    });

    expect(answer.statusCode).toBe(200);
    expect(asked).toEqual([{ limit: 20, cursor: undefined }]);
    expect(CustomerInvoicesBodySchema.parse(answer.body).invoices).toHaveLength(14);
  });

  it('reads a customer id as the data set does (leading zeros, 17850.0)', async () => {
    const plain = await pageOf('17850');

    for (const spelling of ['017850', '17850.0']) {
      const answer = await pageOf(spelling);
      expect(answer.statusCode).toBe(200);
      expect(answer.body).toEqual(plain.body);
    }
  });

  it('answers an empty list for a customer with no invoices', async () => {
    const answer = await pageOf('99999');

    expect(answer.statusCode).toBe(200);
    expect(CustomerInvoicesBodySchema.parse(answer.body)).toEqual({
      customerId: '99999',
      invoices: [],
      nextToken: null,
    });
  });

  it.each(['0', '101', 'abc', '1.5', '-1', ''])('answers 400 for limit=%p', async (limit) => {
    const answer = await pageOf('17850', { limit });

    expect(answer.statusCode).toBe(400);
    expect(InvalidParametersBodySchema.parse(answer.body).problems).toEqual([
      { in: 'query', name: 'limit', message: `'${limit}' is not a page size: expected a whole number from 1 to 100` },
    ]);
  });

  it('answers 400 for a nextToken that is not one, or is another list', async () => {
    const ofOtherCustomer = CustomerInvoicesBodySchema.parse((await pageOf('17850', { limit: '1' })).body).nextToken!;
    const forged = Buffer.from(JSON.stringify({ pk: 'INVOICE#536365', sk: 'SUMMARY' })).toString('base64url');

    for (const nextToken of ['not a token!', 'e30', forged, 'abc']) {
      const answer = await pageOf('17850', { nextToken });
      expect(answer.statusCode).toBe(400);
      expect(InvalidParametersBodySchema.parse(answer.body).problems).toEqual([
        { in: 'query', name: 'nextToken', message: expect.any(String) },
      ]);
    }
    const elsewhere = await pageOf('14527', { nextToken: ofOtherCustomer });
    expect(elsewhere.statusCode).toBe(400);
    expect(InvalidParametersBodySchema.parse(elsewhere.body).message).toContain('14527');
  });

  it('answers 400 listing every problem at once', async () => {
    const answer = await pageOf('abc', { limit: '0' });

    expect(answer.statusCode).toBe(400);
    expect(InvalidParametersBodySchema.parse(answer.body).problems).toEqual([
      { in: 'path', name: 'customerId', message: "'abc' is not a customer id: expected digits such as 17850" },
      { in: 'query', name: 'limit', message: "'0' is not a page size: expected a whole number from 1 to 100" },
    ]);
  });
});
