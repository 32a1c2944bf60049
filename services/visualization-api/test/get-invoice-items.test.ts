import type { InvoiceStore } from '@retail/adapters';
import {
  ErrorBodySchema,
  InvalidParametersBodySchema,
  InvoiceItemsBodySchema,
  type InvoiceItemsBody,
} from '@retail/api-contract';
import { datasetNameOf } from '@retail/domain';
import { milliOf, sampleInvoices, type SampleInvoice } from './support/sample-invoices';
import { startVisualizationApiUnderTest, type VisualizationApiUnderTest } from './support/visualization-api-under-test';

const ITEMS_ROUTE = '/invoices/{invoiceNo}/items';

let api: VisualizationApiUnderTest;
let invoices: Map<string, SampleInvoice>;

beforeAll(async () => {
  api = await startVisualizationApiUnderTest();
  invoices = sampleInvoices(api.sampleRows);
});

afterAll(async () => {
  await api?.stop();
});

const itemsOf = (invoiceNo: string) =>
  api.get(api.getInvoiceItems, { resource: ITEMS_ROUTE, pathParameters: { invoiceNo } });

describe('GET /invoices/{invoiceNo}/items', () => {
  it('answers invoice 536365 of the data set: 7 lines in file order totalling exactly 139.12', async () => {
    const answer = await itemsOf('536365');

    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const body = InvoiceItemsBodySchema.parse(answer.body);
    expect(body.invoice).toEqual({
      invoiceNo: '536365',
      invoiceDate: '2010-12-01T08:26:00',
      customerId: '17850',
      country: 'United Kingdom',
      isCancellation: false,
      lineCount: 7,
      total: 139.12,
    });
    expect(body.items.map((item) => item.lineNo)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(body.items.map((item) => item.stockCode)).toEqual([
      '85123A',
      '71053',
      '84406B',
      '84029G',
      '84029E',
      '22752',
      '21730',
    ]);
    expect(body.items[0]).toEqual({
      lineNo: 1,
      stockCode: '85123A',
      description: 'WHITE HANGING HEART T-LIGHT HOLDER',
      quantity: 6,
      unitPrice: 2.55,
      lineTotal: 15.3,
    });
    expect(body.items.reduce((sum, item) => sum + Math.round(item.lineTotal * 1000), 0)).toBe(139_120);
  });

  it('answers every invoice of the sample exactly as the file has it: lines in order, count and exact total', async () => {
    for (const expected of invoices.values()) {
      const answer = await itemsOf(expected.invoiceNo);
      expect(answer.statusCode).toBe(200);
      const { invoice, items } = InvoiceItemsBodySchema.parse(answer.body);
      const column = (row: Record<string, string>, name: Parameters<typeof datasetNameOf>[0]) =>
        row[datasetNameOf(name)]!.trim();
      expect({
        invoiceNo: invoice.invoiceNo,
        lineCount: invoice.lineCount,
        customerId: invoice.customerId,
        invoiceDate: invoice.invoiceDate,
      }).toEqual({
        invoiceNo: expected.invoiceNo,
        lineCount: expected.rows.length,
        customerId: expected.customerId,
        invoiceDate: expected.invoiceDate,
      });
      // Exact: the JSON number is the decimal itself, so scaling it back gives the file's sum in thousandths.
      expect(invoice.total * 1000).toBeCloseTo(expected.totalMilli, 6);
      expect(String(invoice.total)).toBe(String(expected.totalMilli / 1000));
      expect(items.map((item) => [item.stockCode, item.quantity, Math.round(item.unitPrice * 1000)])).toEqual(
        expected.rows.map((row) => [
          column(row, 'stockCode'),
          Number(column(row, 'quantity')),
          milliOf(column(row, 'unitPrice')),
        ]),
      );
    }
    expect(invoices.size).toBeGreaterThan(150);
  });

  it('answers a cancellation like any other invoice, with its negative quantities', async () => {
    const answer = await itemsOf('C536379');

    expect(answer.statusCode).toBe(200);
    const body: InvoiceItemsBody = InvoiceItemsBodySchema.parse(answer.body);
    expect(body.invoice).toMatchObject({
      invoiceNo: 'C536379',
      isCancellation: true,
      customerId: '14527',
      lineCount: 1,
      total: -27.5,
    });
    expect(body.items).toEqual([
      { lineNo: 1, stockCode: 'D', description: 'Discount', quantity: -1, unitPrice: 27.5, lineTotal: -27.5 },
    ]);
  });

  it('answers an adjustment (no customer) like any other invoice', async () => {
    const answer = await itemsOf('A563185');

    expect(answer.statusCode).toBe(200);
    const body = InvoiceItemsBodySchema.parse(answer.body);
    expect(body.invoice).toEqual({
      invoiceNo: 'A563185',
      invoiceDate: '2011-08-12T14:50:00',
      customerId: null,
      country: 'United Kingdom',
      isCancellation: false,
      lineCount: 1,
      total: 11062.06,
    });
    expect(body.items).toEqual([
      {
        lineNo: 1,
        stockCode: 'B',
        description: 'Adjust bad debt',
        quantity: 1,
        unitPrice: 11062.06,
        lineTotal: 11062.06,
      },
    ]);
  });

  it('answers 404 naming the invoice when none of its lines is stored', async () => {
    const answer = await itemsOf('999999');

    expect(answer.statusCode).toBe(404);
    expect(ErrorBodySchema.parse(answer.body).message).toMatch(/^invoice 999999 was not found/);
  });

  it.each(['53636', '5363650', 'X536365', 'c536379', 'CC536379', '536365.0', 'null'])(
    'answers 400 for the malformed invoice number %p',
    async (invoiceNo) => {
      const answer = await itemsOf(invoiceNo);

      expect(answer.statusCode).toBe(400);
      const body = InvalidParametersBodySchema.parse(answer.body);
      expect(body.problems).toEqual([
        {
          in: 'path',
          name: 'invoiceNo',
          message: expect.stringContaining('is not an invoice number: expected 6 digits'),
        },
      ]);
      expect(body.message).toContain(invoiceNo);
    },
  );

  it('answers 500 without details when the store fails, and 200 again once it works', async () => {
    const failing: InvoiceStore = {
      saveInvoiceLines: () => Promise.reject(new Error('not used')),
      getInvoice: () => Promise.reject(new Error('ProvisionedThroughputExceededException: secret table details')),
      listCustomerInvoices: () => Promise.reject(new Error('not used')),
    };

    const answer = await api.get(api.getInvoiceItemsOn(failing), {
      resource: ITEMS_ROUTE,
      pathParameters: { invoiceNo: '536365' },
    });

    expect(answer.statusCode).toBe(500);
    expect(ErrorBodySchema.parse(answer.body).message).not.toContain('secret');
    expect((await itemsOf('536365')).statusCode).toBe(200);
  });
});

describe("the course's query-string form", () => {
  it.each(['/invoice-lines', '/invoices'])(
    'GET %s?InvoiceNo=536365 answers exactly what the path form answers',
    async (resource) => {
      const pathForm = await itemsOf('536365');

      const queryForm = await api.get(api.getInvoiceItems, {
        resource,
        queryStringParameters: { InvoiceNo: '536365' },
      });

      expect(queryForm.statusCode).toBe(200);
      expect(queryForm.body).toEqual(pathForm.body);
    },
  );

  it("takes the column's other names too, and leaves other parameters alone", async () => {
    const answer = await api.get(api.getInvoiceItems, {
      resource: '/invoices',
      queryStringParameters: { invoiceNo: 'C536379', format: 'json' },
    });

    expect(answer.statusCode).toBe(200);
    expect(InvoiceItemsBodySchema.parse(answer.body).invoice.invoiceNo).toBe('C536379');
  });

  it('answers 400 naming InvoiceNo when it is missing', async () => {
    const answer = await api.get(api.getInvoiceItems, { resource: '/invoice-lines' });

    expect(answer.statusCode).toBe(400);
    expect(InvalidParametersBodySchema.parse(answer.body).problems).toEqual([
      { in: 'query', name: 'InvoiceNo', message: 'is required, e.g. ?InvoiceNo=536365' },
    ]);
  });

  it('answers 400 for a malformed number, naming the parameter as sent, and 404 for an unknown one', async () => {
    const malformed = await api.get(api.getInvoiceItems, {
      resource: '/invoices',
      queryStringParameters: { InvoiceNo: '12' },
    });
    const unknown = await api.get(api.getInvoiceItems, {
      resource: '/invoices',
      queryStringParameters: { InvoiceNo: '999999' },
    });

    expect(malformed.statusCode).toBe(400);
    expect(InvalidParametersBodySchema.parse(malformed.body).problems).toEqual([
      { in: 'query', name: 'InvoiceNo', message: expect.stringContaining("'12' is not an invoice number") },
    ]);
    expect(unknown.statusCode).toBe(404);
  });
});
