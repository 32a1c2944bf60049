import { EVERY_COUNTRY, type AnalyticsBody, type AnalyticsQuery, type AnalyticsViewName } from '@retail/api-contract';
import { warehouseSqlFor, type WarehouseQueries, type WarehouseQueryResult } from '@retail/adapters';
import cohortRetention from '../../../resources/warehouse/analytics/cohort-retention.sql';
import headline from '../../../resources/warehouse/analytics/headline.sql';
import hourWeekday from '../../../resources/warehouse/analytics/hour-weekday.sql';
import monthlyRevenue from '../../../resources/warehouse/analytics/monthly-revenue.sql';
import newVsReturning from '../../../resources/warehouse/analytics/new-vs-returning.sql';
import revenueByCountry from '../../../resources/warehouse/analytics/revenue-by-country.sql';
import rfmSegments from '../../../resources/warehouse/analytics/rfm-segments.sql';
import topCustomers from '../../../resources/warehouse/analytics/top-customers.sql';
import topProducts from '../../../resources/warehouse/analytics/top-products.sql';

/** Each view's SQL (resources/warehouse/analytics/<view>.sql), as Redshift runs it: the Data API speaks Redshift. */
const ANALYTICS_SQL: Record<AnalyticsViewName, string> = Object.fromEntries(
  Object.entries({
    headline,
    'monthly-revenue': monthlyRevenue,
    'revenue-by-country': revenueByCountry,
    'top-products': topProducts,
    'top-customers': topCustomers,
    'rfm-segments': rfmSegments,
    'cohort-retention': cohortRetention,
    'hour-weekday': hourWeekday,
    'new-vs-returning': newVsReturning,
  }).map(([view, sql]) => [view, warehouseSqlFor('redshift', sql).trim().replace(/;$/, '')]),
) as Record<AnalyticsViewName, string>;

// DECIMAL sums come as exact text and counts may come as text on some engines: the contract's numbers are numbers.
const NUMERIC_TYPE = /^(int|numeric|decimal|float|double|real|bigint|smallint)/i;

/** One view of the dashboard over the warehouse, with the query's filters; rows keyed as the contract names them. */
export async function readAnalyticsView<View extends AnalyticsViewName>(
  warehouse: WarehouseQueries,
  view: View,
  query: AnalyticsQuery,
): Promise<AnalyticsBody<View>> {
  const result = await warehouse.query(ANALYTICS_SQL[view], {
    date_from: query.from,
    date_to: query.to,
    country: query.country ?? EVERY_COUNTRY,
  });
  const rows = contractRows(result);
  return {
    filters: { from: query.from, to: query.to, country: query.country ?? null },
    rows: view === 'headline' ? rows.map(withZeroSums) : rows,
  } as AnalyticsBody<View>;
}

function contractRows({ columns, rows }: WarehouseQueryResult): Record<string, unknown>[] {
  const numeric = new Set(columns.filter((column) => NUMERIC_TYPE.test(column.typeName)).map((column) => column.name));
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([name, value]) => [
        camelCase(name),
        value !== null && numeric.has(name) ? Number(value) : value,
      ]),
    ),
  );
}

// An empty range sums to NULL: the headline says 0 revenue and units instead.
function withZeroSums(row: Record<string, unknown>): Record<string, unknown> {
  return { ...row, revenue: row.revenue ?? 0, units: row.units ?? 0 };
}

const camelCase = (snake: string) => snake.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
