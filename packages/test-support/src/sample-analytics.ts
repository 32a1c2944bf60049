import type { InvoiceLineEvent } from '@retail/domain';

/**
 * The dashboard's figures computed straight from invoice lines in memory (the sample file's), independently of the
 * warehouse SQL: what the analytics tests and the browser test expect. Amounts are summed in exact thousandths.
 */
export interface SampleAnalyticsFilters {
  /** First and last day included, YYYY-MM-DD. */
  from?: string;
  to?: string;
  country?: string;
}

export interface SampleAnalytics {
  headline: {
    revenue: number;
    invoices: number;
    customers: number;
    averageOrderValue: number | null;
    units: number;
    cancellationRate: number | null;
  };
  monthlyRevenue: { yearMonth: string; revenue: number; invoices: number; customers: number }[];
  revenueByCountry: { country: string; revenue: number; invoices: number; customers: number }[];
  topProducts: { stockCode: string; revenue: number; quantity: number; invoices: number }[];
  topCustomers: { customerId: string; revenue: number; invoices: number; lines: number }[];
  hourWeekday: { dayOfWeek: number; hourOfDay: number; invoices: number; revenue: number }[];
  cohortRetention: { cohortMonth: string; monthsSince: number; activeCustomers: number }[];
  newVsReturning: { yearMonth: string; newCustomers: number; returningCustomers: number }[];
  rfmSegments: { segment: string; customers: number; revenue: number }[];
}

/** SQL's NTILE(k) of the row at `index` (0-based) of `count` ordered rows: the first count % k tiles get one more. */
function ntile(index: number, count: number, tiles = 5): number {
  const base = Math.floor(count / tiles);
  const larger = count % tiles;
  if (index < larger * (base + 1)) return Math.floor(index / (base + 1)) + 1;
  return larger + Math.floor((index - larger * (base + 1)) / base) + 1;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const dayNumber = (day: string) =>
  Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000;

/** The scoring of resources/warehouse/analytics/rfm-segments.sql: quintiles of recency and frequency, then segments. */
function rfmSegments(lines: readonly InvoiceLineEvent[]): SampleAnalytics['rfmSegments'] {
  if (lines.length === 0) return [];
  const lastDay = dayNumber(lines.map(dayOf).reduce((a, b) => (a > b ? a : b)));
  const customers = [
    ...groupBy(
      lines.filter((line) => line.customerId !== null),
      (line) => line.customerId!,
    ),
  ]
    .map(([customerId, group]) => {
      const latest = lines
        .filter((line) => line.customerId === customerId)
        .map(dayOf)
        .reduce((a, b) => (a > b ? a : b));
      return {
        customerId,
        recency: lastDay - dayNumber(latest) + 1,
        frequency: group.invoices.size,
        monetary: group.revenue,
      };
    })
    .filter((customer) => customer.frequency > 0);
  const scored = new Map(customers.map((customer) => [customer.customerId, { recency: 0, frequency: 0 }]));
  [...customers]
    .sort((a, b) => b.recency - a.recency || compareText(a.customerId, b.customerId))
    .forEach((customer, index) => (scored.get(customer.customerId)!.recency = ntile(index, customers.length)));
  [...customers]
    .sort((a, b) => a.frequency - b.frequency || compareText(a.customerId, b.customerId))
    .forEach((customer, index) => (scored.get(customer.customerId)!.frequency = ntile(index, customers.length)));
  const segments = new Map<string, { customers: number; revenue: number }>();
  for (const customer of customers) {
    const { recency: r, frequency: f } = scored.get(customer.customerId)!;
    const segment =
      r >= 4 && f >= 4
        ? 'champions'
        : f >= 4
          ? 'loyal'
          : r >= 4 && f <= 2
            ? 'new or promising'
            : r <= 2 && f >= 3
              ? 'at risk'
              : r <= 2
                ? 'hibernating'
                : 'needs attention';
    const sum = segments.get(segment) ?? { customers: 0, revenue: 0 };
    sum.customers += 1;
    sum.revenue += customer.monetary;
    segments.set(segment, sum);
  }
  return [...segments]
    .map(([segment, sum]) => ({ segment, customers: sum.customers, revenue: pounds(sum.revenue) }))
    .sort((a, b) => b.customers - a.customers || compareText(a.segment, b.segment));
}

const milli = (amount: number) => Math.round(amount * 1000);
const pounds = (thousandths: number) => thousandths / 1000;
const dayOf = (line: InvoiceLineEvent) => line.invoiceDate.slice(0, 10);
const monthOf = (line: InvoiceLineEvent) => line.invoiceDate.slice(0, 7);
const monthsBetween = (from: string, to: string) =>
  (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7));

/** The warehouse's invoice_months within the range: every month from the first line's to the last's, none missing. */
function monthsShown(all: readonly InvoiceLineEvent[], filters: SampleAnalyticsFilters): string[] {
  const months = all.map(monthOf).sort();
  if (months.length === 0) return [];
  const first = [months[0]!, filters.from?.slice(0, 7) ?? ''].sort()[1]!;
  const last = [months[months.length - 1]!, filters.to?.slice(0, 7) ?? '9999-12'].sort()[0]!;
  const firstIndex = Number(first.slice(0, 4)) * 12 + Number(first.slice(5, 7)) - 1;
  return Array.from({ length: Math.max(0, monthsBetween(first, last) + 1) }, (_, offset) => {
    const index = firstIndex + offset;
    return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
  });
}

interface Group {
  revenue: number;
  /** Sale invoices. */
  invoices: Set<string>;
  /** Invoices of any kind. */
  anyInvoices: Set<string>;
  customers: Set<string>;
  quantity: number;
  lines: number;
}

function groupBy(lines: readonly InvoiceLineEvent[], keyOf: (line: InvoiceLineEvent) => string): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const line of lines) {
    const key = keyOf(line);
    let group = groups.get(key);
    if (group === undefined) {
      group = { revenue: 0, invoices: new Set(), anyInvoices: new Set(), customers: new Set(), quantity: 0, lines: 0 };
      groups.set(key, group);
    }
    group.revenue += milli(line.lineTotal);
    group.quantity += line.quantity;
    group.lines += 1;
    group.anyInvoices.add(line.invoiceNo);
    if (line.invoiceKind === 'sale') group.invoices.add(line.invoiceNo);
    if (line.customerId !== null) group.customers.add(line.customerId);
  }
  return groups;
}

const byRevenueThen =
  <T extends { revenue: number }>(key: (row: T) => string) =>
  (a: T, b: T) =>
    b.revenue - a.revenue || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

export function sampleAnalytics(
  all: readonly InvoiceLineEvent[],
  filters: SampleAnalyticsFilters = {},
): SampleAnalytics {
  const lines = all.filter(
    (line) =>
      (filters.from === undefined || dayOf(line) >= filters.from) &&
      (filters.to === undefined || dayOf(line) <= filters.to) &&
      (filters.country === undefined || line.country === filters.country),
  );
  const sales = lines.filter((line) => line.invoiceKind === 'sale');
  const saleInvoices = new Set(sales.map((line) => line.invoiceNo));
  const cancellationInvoices = new Set(lines.filter((line) => line.isCancellation).map((line) => line.invoiceNo));
  const salesValue = sales.reduce((sum, line) => sum + milli(line.lineTotal), 0);

  const countries = [...groupBy(lines, (line) => line.country)]
    .map(([country, group]) => ({
      country,
      revenue: group.revenue,
      invoices: group.invoices.size,
      customers: group.customers.size,
    }))
    .sort(byRevenueThen((row) => row.country));
  const products = [
    ...groupBy(
      lines.filter((line) => line.isProduct),
      (line) => line.stockCode,
    ),
  ].map(([stockCode, group]) => ({
    stockCode,
    revenue: group.revenue,
    quantity: group.quantity,
    invoices: group.anyInvoices.size,
  }));
  const customers = [
    ...groupBy(
      lines.filter((line) => line.customerId !== null),
      (line) => line.customerId!,
    ),
  ].map(([customerId, group]) => ({
    customerId,
    revenue: group.revenue,
    invoices: group.invoices.size,
    lines: group.lines,
  }));

  // Cohorts: first sale month within the lines shown; new against returning: first sale month over all lines.
  const firstMonth = (source: readonly InvoiceLineEvent[]) => {
    const first = new Map<string, string>();
    for (const line of source)
      if (line.customerId !== null && line.invoiceKind === 'sale') {
        const month = monthOf(line);
        if ((first.get(line.customerId) ?? '9999-99') > month) first.set(line.customerId, month);
      }
    return first;
  };
  const activity = new Set(
    sales.filter((line) => line.customerId !== null).map((line) => `${line.customerId}|${monthOf(line)}`),
  );
  const cohortOf = firstMonth(sales);
  const everFirst = firstMonth(all);
  const cohortCounts = new Map<string, number>();
  const newReturning = new Map<string, { newCustomers: number; returningCustomers: number }>();
  for (const key of activity) {
    const [customerId, month] = key.split('|') as [string, string];
    const cohortKey = `${cohortOf.get(customerId)}|${monthsBetween(cohortOf.get(customerId)!, month)}`;
    cohortCounts.set(cohortKey, (cohortCounts.get(cohortKey) ?? 0) + 1);
    const counts = newReturning.get(month) ?? { newCustomers: 0, returningCustomers: 0 };
    if (everFirst.get(customerId) === month) counts.newCustomers += 1;
    else counts.returningCustomers += 1;
    newReturning.set(month, counts);
  }

  const byMonth = groupBy(lines, monthOf);
  return {
    headline: {
      revenue: pounds(lines.reduce((sum, line) => sum + milli(line.lineTotal), 0)),
      invoices: saleInvoices.size,
      customers: new Set(lines.flatMap((line) => (line.customerId === null ? [] : [line.customerId]))).size,
      averageOrderValue: saleInvoices.size === 0 ? null : pounds(salesValue) / saleInvoices.size,
      units: sales.reduce((sum, line) => sum + line.quantity, 0),
      cancellationRate:
        saleInvoices.size + cancellationInvoices.size === 0
          ? null
          : cancellationInvoices.size / (saleInvoices.size + cancellationInvoices.size),
    },
    monthlyRevenue: monthsShown(all, filters).map((yearMonth) => {
      const group = byMonth.get(yearMonth);
      return {
        yearMonth,
        revenue: pounds(group?.revenue ?? 0),
        invoices: group?.invoices.size ?? 0,
        customers: group?.customers.size ?? 0,
      };
    }),
    revenueByCountry: countries.map((row) => ({ ...row, revenue: pounds(row.revenue) })),
    topProducts: products
      .sort(byRevenueThen((row) => row.stockCode))
      .slice(0, 10)
      .map((row) => ({ ...row, revenue: pounds(row.revenue) })),
    topCustomers: customers
      .sort(byRevenueThen((row) => row.customerId))
      .slice(0, 10)
      .map((row) => ({ ...row, revenue: pounds(row.revenue) })),
    hourWeekday: [
      ...groupBy(sales, (line) => {
        const date = new Date(`${line.invoiceDate}Z`);
        return `${date.getUTCDay()}|${date.getUTCHours()}`;
      }),
    ]
      .map(([key, group]) => {
        const [dayOfWeek, hourOfDay] = key.split('|').map(Number) as [number, number];
        return { dayOfWeek, hourOfDay, invoices: group.invoices.size, revenue: pounds(group.revenue) };
      })
      .sort((a, b) => a.dayOfWeek - b.dayOfWeek || a.hourOfDay - b.hourOfDay),
    cohortRetention: [...cohortCounts]
      .map(([key, activeCustomers]) => {
        const [cohortMonth, monthsSince] = key.split('|') as [string, string];
        return { cohortMonth, monthsSince: Number(monthsSince), activeCustomers };
      })
      .sort((a, b) =>
        a.cohortMonth < b.cohortMonth ? -1 : a.cohortMonth > b.cohortMonth ? 1 : a.monthsSince - b.monthsSince,
      ),
    rfmSegments: rfmSegments(lines),
    newVsReturning: monthsShown(all, filters).map((yearMonth) => ({
      yearMonth,
      ...(newReturning.get(yearMonth) ?? { newCustomers: 0, returningCustomers: 0 }),
    })),
  };
}
