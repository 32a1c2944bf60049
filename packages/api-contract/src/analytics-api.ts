import * as z from 'zod';

/**
 * The analytics API (`GET /analytics/<view>` of the visualization API): the dashboard's figures, read from the
 * warehouse. Every view takes the same filters (a date range and a country) and answers the filters it applied and
 * its rows. Amounts are net pounds sterling (sales, cancellations and adjustments), exact to 3 decimals.
 */

/** The data set's first and last invoice days: the range a request without from/to covers. */
export const ANALYTICS_FIRST_DAY = '2010-12-01';
export const ANALYTICS_LAST_DAY = '2011-12-09';
/** What the warehouse queries take for "every country" (the Data API refuses an empty parameter). */
export const EVERY_COUNTRY = '*';

const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const isCalendarDay = (text: string): boolean => {
  const [, year, month, day] = ISO_DAY.exec(text) ?? [];
  if (year === undefined) return false;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.toISOString().slice(0, 10) === text;
};

const daySchema = (which: 'first' | 'last', fallback: string) =>
  z
    .string()
    .refine((text) => isCalendarDay(text.trim()), {
      error: (issue) =>
        `'${String(issue.input)}' is not a day: expected a calendar date as YYYY-MM-DD, e.g. ${fallback}`,
    })
    .transform((text) => text.trim())
    .default(fallback)
    .meta({
      type: 'string',
      format: 'date',
      description: `The ${which} day included (YYYY-MM-DD, UK calendar); none: ${fallback}, the data set's ${which} day.`,
      default: fallback,
      examples: [fallback],
    });

// The data set's country names: letters, spaces and a few marks (EIRE, RSA, Channel Islands, European Community).
const COUNTRY_NAME = /^[A-Za-z][A-Za-z .'&-]{0,99}$/;

export const CountryParameterSchema = z
  .string()
  .transform((text, ctx) => {
    const country = text.trim();
    if (!COUNTRY_NAME.test(country)) {
      ctx.addIssue({
        code: 'custom',
        message: `'${text}' is not a country name: expected a country as the data set writes it (letters, spaces, . ' & -, at most 100 characters), e.g. United Kingdom or EIRE; none for every country`,
      });
      return z.NEVER;
    }
    return country;
  })
  .optional()
  .meta({
    type: 'string',
    description:
      'Only the lines of this country, as the data set spells it (e.g. United Kingdom, EIRE); none: every country.',
    examples: ['France'],
  });

export const AnalyticsQuerySchema = z
  .object({
    from: daySchema('first', ANALYTICS_FIRST_DAY),
    to: daySchema('last', ANALYTICS_LAST_DAY),
    country: CountryParameterSchema,
  })
  .superRefine((query, ctx) => {
    if (query.from > query.to)
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: `'${query.from}' is after to '${query.to}': the range needs from on or before to`,
      });
  });

export type AnalyticsQuery = z.output<typeof AnalyticsQuerySchema>;

const AMOUNT = 'Net pounds sterling (sales less cancellations, with adjustments), exact to 3 decimals.';
const amount = (description: string) => z.number().meta({ description: `${description} ${AMOUNT}` });
const count = (description: string) => z.number().int().nonnegative().meta({ description });
const share = (description: string) =>
  z
    .number()
    .min(0)
    .max(1)
    .meta({ description: `${description} (0 to 1).` });
const yearMonth = (description: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .meta({ description: `${description} (YYYY-MM).`, examples: ['2011-11'] });

export const AnalyticsFiltersSchema = z
  .strictObject({
    from: z.string().meta({ description: 'The first day included.', examples: [ANALYTICS_FIRST_DAY] }),
    to: z.string().meta({ description: 'The last day included.', examples: [ANALYTICS_LAST_DAY] }),
    country: z.string().nullable().meta({ description: 'The country shown; null: every country.' }),
  })
  .meta({ description: 'The filters the answer applied (defaults filled in).' });

/** Every view of the dashboard: its row, and what it says. The path is /analytics/<name>. */
export const ANALYTICS_VIEWS = {
  headline: {
    summary: 'Headline figures',
    description:
      'Revenue, sale invoices, customers, average order value (sales per sale invoice), units sold and the cancellation rate (cancellation invoices among sale and cancellation invoices). One row.',
    row: z.strictObject({
      revenue: amount('Revenue.'),
      invoices: count('Sale invoices.'),
      customers: count('Known customers with a line.'),
      averageOrderValue: z.number().nullable().meta({ description: 'Sales value per sale invoice; null without one.' }),
      units: z.number().int().meta({ description: 'Units on sale invoices.' }),
      cancellationRate: share('Cancellation invoices among sale and cancellation invoices').nullable(),
    }),
  },
  'monthly-revenue': {
    summary: 'Revenue by month',
    description: 'Revenue, sale invoices and customers per calendar month, oldest first.',
    row: z.strictObject({
      yearMonth: yearMonth('The month'),
      revenue: amount('Revenue.'),
      invoices: count('Sale invoices.'),
      customers: count('Known customers.'),
    }),
  },
  'revenue-by-country': {
    summary: 'Revenue by country',
    description: "Every country's revenue, largest first, with its share of the whole.",
    row: z.strictObject({
      country: z.string().meta({ examples: ['United Kingdom'] }),
      revenue: amount('Revenue.'),
      invoices: count('Sale invoices.'),
      customers: count('Known customers.'),
      revenueShare: z.number().nullable().meta({ description: 'Share of the revenue shown (0 to 1).' }),
    }),
  },
  'top-products': {
    summary: 'Top 10 products',
    description: 'The 10 products (no postage, fees or manual lines) with the most revenue; ties by stock code.',
    row: z.strictObject({
      stockCode: z.string().meta({ examples: ['85123A'] }),
      description: z.string().nullable().meta({ description: "The stock code's latest description." }),
      revenue: amount('Revenue.'),
      quantity: z.number().int().meta({ description: 'Units, net of cancellations.' }),
      invoices: count('Invoices with the product.'),
    }),
  },
  'top-customers': {
    summary: 'Top 10 customers',
    description: 'The 10 known customers with the most revenue; ties by customer id.',
    row: z.strictObject({
      customerId: z.string().meta({ examples: ['17850'] }),
      revenue: amount('Revenue.'),
      invoices: count('Sale invoices.'),
      lines: count('Invoice lines.'),
    }),
  },
  'rfm-segments': {
    summary: 'RFM segments',
    description:
      'Customers and revenue per segment of recency (to the range end), frequency and monetary value, scored by quintile.',
    row: z.strictObject({
      segment: z.enum(['champions', 'loyal', 'new or promising', 'at risk', 'hibernating', 'needs attention']),
      customers: count('Customers in the segment.'),
      revenue: amount('Their revenue.'),
    }),
  },
  'cohort-retention': {
    summary: 'Cohort retention',
    description:
      'Customers by the month of their first purchase in the range (cohort) and how many bought again n months later (0: the cohort itself).',
    row: z.strictObject({
      cohortMonth: yearMonth('The first purchase month'),
      monthsSince: count('Months after the cohort month.'),
      activeCustomers: count('Cohort customers who bought that month.'),
    }),
  },
  'hour-weekday': {
    summary: 'Sales by hour and weekday',
    description: 'Sale invoices and revenue by weekday (0 Sunday) and hour of the UK wall clock.',
    row: z.strictObject({
      dayOfWeek: z.number().int().min(0).max(6).meta({ description: '0 Sunday to 6 Saturday.' }),
      hourOfDay: z.number().int().min(0).max(23),
      invoices: count('Sale invoices.'),
      revenue: amount('Revenue.'),
    }),
  },
  'new-vs-returning': {
    summary: 'New against returning customers',
    description:
      'By month: customers buying for the first time ever (their first month over all their sales) and customers who had bought in an earlier month.',
    row: z.strictObject({
      yearMonth: yearMonth('The month'),
      newCustomers: count('First-time customers.'),
      returningCustomers: count('Customers who had bought before.'),
    }),
  },
} as const satisfies Record<string, { summary: string; description: string; row: z.ZodObject }>;

export type AnalyticsViewName = keyof typeof ANALYTICS_VIEWS;
export const ANALYTICS_VIEW_NAMES = Object.keys(ANALYTICS_VIEWS) as AnalyticsViewName[];

const analyticsBodySchema = <View extends AnalyticsViewName>(view: View) =>
  z
    .strictObject({ filters: AnalyticsFiltersSchema, rows: z.array(ANALYTICS_VIEWS[view].row) })
    .meta({ description: `${ANALYTICS_VIEWS[view].summary}: the filters applied and the rows.` });

type AnalyticsBodySchemas = { [View in AnalyticsViewName]: ReturnType<typeof analyticsBodySchema<View>> };

/** The answer of `GET /analytics/<view>` for each view: the filters applied and the view's rows. */
export const ANALYTICS_BODY_SCHEMAS = Object.fromEntries(
  ANALYTICS_VIEW_NAMES.map((view) => [view, analyticsBodySchema(view)]),
) as AnalyticsBodySchemas;

export type AnalyticsRow<View extends AnalyticsViewName> = z.output<(typeof ANALYTICS_VIEWS)[View]['row']>;
export type AnalyticsFilters = z.output<typeof AnalyticsFiltersSchema>;
export interface AnalyticsBody<View extends AnalyticsViewName> {
  filters: AnalyticsFilters;
  rows: AnalyticsRow<View>[];
}
