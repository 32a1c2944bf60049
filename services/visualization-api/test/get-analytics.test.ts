import { ANALYTICS_BODY_SCHEMAS, ANALYTICS_VIEW_NAMES, type AnalyticsViewName } from '@retail/api-contract';
import type { InvoiceLineEvent } from '@retail/domain';
import {
  lambdaContext,
  readSampleRows,
  useHandlerEnvironment,
  sampleAnalytics,
  sampleLines,
  startSampleWarehouse,
  type SampleAnalyticsFilters,
  type SampleWarehouse,
} from '@retail/test-support';
import { awsEnvironmentOf } from '@retail/adapters';
import type { HttpHandler } from '@retail/lambda-plumbing';
import { getRequest, visualizationApiFunction } from './support/api-gateway-event';

let lines: InvoiceLineEvent[];
let warehouse: SampleWarehouse;
let handler: HttpHandler;
let restoreEnvironment: () => void;

beforeAll(async () => {
  lines = sampleLines(await readSampleRows());
  warehouse = await startSampleWarehouse(lines);
  // The deployed handler, composed from the environment serverless.yml and the local platform give it.
  restoreEnvironment = useHandlerEnvironment({
    ...awsEnvironmentOf({
      region: 'eu-west-2',
      endpoints: { redshiftData: warehouse.dataApiEndpoint },
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    WAREHOUSE_WORKGROUP_NAME: 'retail-test',
    WAREHOUSE_DATABASE: 'retail',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../src/handlers/get-analytics'));
});

afterAll(async () => {
  restoreEnvironment?.();
  await warehouse?.stop();
});

async function get(view: AnalyticsViewName, query: Record<string, string> = {}) {
  const answer = await handler(
    getRequest({ resource: `/analytics/${view}`, queryStringParameters: query }),
    lambdaContext(visualizationApiFunction('getAnalytics')),
  );
  return { statusCode: answer.statusCode, body: JSON.parse(answer.body) as Record<string, unknown> };
}

const monthAfter = (month: string) => {
  const next = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1));
  return next.toISOString().slice(0, 7);
};
const close = (value: number) => expect.closeTo(value, 6);

async function expectViewsToMatchTheSample(query: Record<string, string>, filters: SampleAnalyticsFilters) {
  const expected = sampleAnalytics(lines, filters);
  const rows = async (view: AnalyticsViewName) => {
    const { statusCode, body } = await get(view, query);
    expect(statusCode).toBe(200);
    expect(ANALYTICS_BODY_SCHEMAS[view].safeParse(body).error).toBeUndefined();
    return body.rows as Record<string, unknown>[];
  };
  const { averageOrderValue, cancellationRate, ...exact } = expected.headline;
  const [headline] = await rows('headline');
  expect(headline).toMatchObject(exact);
  expect(headline).toEqual(
    expect.objectContaining({
      averageOrderValue: averageOrderValue === null ? null : close(averageOrderValue),
      cancellationRate: cancellationRate === null ? null : close(cancellationRate),
    }),
  );
  expect(await rows('monthly-revenue')).toEqual(expected.monthlyRevenue);
  expect((await rows('revenue-by-country')).map(({ revenueShare: _share, ...row }) => row)).toEqual(
    expected.revenueByCountry,
  );
  expect((await rows('top-products')).map(({ description: _description, ...row }) => row)).toEqual(
    expected.topProducts,
  );
  expect(await rows('top-customers')).toEqual(expected.topCustomers);
  expect(await rows('hour-weekday')).toEqual(expected.hourWeekday);
  expect(await rows('cohort-retention')).toEqual(expected.cohortRetention);
  expect(await rows('new-vs-returning')).toEqual(expected.newVsReturning);
  expect(await rows('rfm-segments')).toEqual(expected.rfmSegments);
}

describe('GET /analytics/<view> on the warehouse holding the sample', () => {
  it('answers every view as the contract says, with the figures computed straight from the sample', async () => {
    await expectViewsToMatchTheSample({}, {});
  });

  it('obeys the country filter and the date range in every view', async () => {
    await expectViewsToMatchTheSample({ country: 'France' }, { country: 'France' });
    await expectViewsToMatchTheSample(
      { from: '2010-12-02', to: '2010-12-05', country: 'United Kingdom' },
      { from: '2010-12-02', to: '2010-12-05', country: 'United Kingdom' },
    );
  });

  it('lists every month from the first line to the last in the monthly views, 0 in a month without lines', async () => {
    const months = lines.map((line) => line.invoiceDate.slice(0, 7)).sort();
    const [first, last] = [months[0]!, months.at(-1)!];
    const french = new Set(
      lines.filter((line) => line.country === 'France').map((line) => line.invoiceDate.slice(0, 7)),
    );
    for (const view of ['monthly-revenue', 'new-vs-returning'] as const) {
      const shown = ((await get(view, { country: 'France' })).body.rows as { yearMonth: string }[]).map(
        (row) => row.yearMonth,
      );
      expect(shown[0]).toBe(first);
      expect(shown.at(-1)).toBe(last);
      shown.slice(1).forEach((month, index) => expect(monthAfter(shown[index]!)).toBe(month));
      expect(shown.filter((month) => !french.has(month)).length).toBeGreaterThan(0);
    }
    const revenue = (await get('monthly-revenue', { country: 'France' })).body.rows as Record<string, unknown>[];
    for (const row of revenue.filter((row) => !french.has(row.yearMonth as string)))
      expect(row).toEqual({ yearMonth: row.yearMonth, revenue: 0, invoices: 0, customers: 0 });
  });

  it("names each top product with the product dimension's description, and a later merge's newer one replaces it", async () => {
    const topProducts = async () =>
      (await get('top-products')).body.rows as { stockCode: string; description: string }[];
    const described = await warehouse.queries.query('SELECT stock_code, description FROM retail.dim_product');
    const descriptionOf = new Map(described.rows.map((row) => [row.stock_code, row.description]));
    const before = await topProducts();
    expect(before).toHaveLength(10);
    for (const product of before) expect(product.description).toBe(descriptionOf.get(product.stockCode));

    const [top] = before;
    const latest = lines.filter((line) => line.stockCode === top!.stockCode).at(-1)!;
    await warehouse.land([
      {
        ...latest,
        lineId: `${latest.lineId}-renamed`,
        description: 'RENAMED IN A LATER MERGE',
        invoiceDate: '2011-12-31T23:00:00',
      },
    ]);
    const after = await topProducts();
    expect(after.find((product) => product.stockCode === top!.stockCode)?.description).toBe('RENAMED IN A LATER MERGE');
  });

  it('answers zeros, not nothing, for a range without lines', async () => {
    const { body } = await get('headline', { from: '2009-01-01', to: '2009-01-31' });
    expect(body.rows).toEqual([
      { revenue: 0, invoices: 0, customers: 0, averageOrderValue: null, units: 0, cancellationRate: null },
    ]);
  });

  it.each([
    [{ from: '2011-02-30' }, 'from', /'2011-02-30' is not a day: expected a calendar date as YYYY-MM-DD/],
    [{ to: 'yesterday' }, 'to', /'yesterday' is not a day/],
    [{ from: '2011-06-01', to: '2011-05-01' }, 'from', /is after to '2011-05-01'/],
    [{ country: "France'; DROP TABLE x; --" }, 'country', /is not a country name/],
  ])('refuses %j with a 400 naming %s and what was wrong', async (query, name, message) => {
    for (const view of ANALYTICS_VIEW_NAMES) {
      const { statusCode, body } = await get(view, query);
      expect(statusCode).toBe(400);
      expect(body.problems).toEqual([{ in: 'query', name, message: expect.stringMatching(message) }]);
    }
  });
});
