/// <reference lib="dom" />
// The dashboard page: filters, headline figures, a chart and its data table per view, an invoice lookup. Bundled for
// the browser by esbuild (packages/serverless-plugins/esbuild-dashboard-page.js) and served by GET /dashboard.
import type { AnalyticsBody, AnalyticsViewName, InvoiceItemsBody } from '@retail/api-contract';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);

const FIRST_DAY = '2010-12-01';
const LAST_DAY = '2011-12-09';
const API_KEY_STORAGE = 'retail-dashboard-api-key';
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;

// The API is the page's own origin and stage: /local/dashboard reads /local/analytics/...
const apiBase = location.pathname.replace(/\/dashboard\/?$/, '');
const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'GBP' });
const whole = new Intl.NumberFormat('en-GB');
const percent = new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: 1 });

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const charts = new Map<string, Chart>();

/** The key comes from the URL fragment (npm start's dashboardUrl; never sent to a server), else this tab's storage, else the form. */
function apiKey(): string | undefined {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('apiKey');
  if (fromFragment) {
    sessionStorage.setItem(API_KEY_STORAGE, fromFragment);
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(API_KEY_STORAGE) ?? undefined;
}

async function getJson<T>(path: string): Promise<T> {
  const key = apiKey();
  if (key === undefined) {
    byId('api-key-form').hidden = false;
    throw new Error('Enter the API key of the stage to see its figures.');
  }
  const response = await fetch(`${apiBase}${path}`, { headers: { 'x-api-key': key } });
  const body = (await response.json()) as T & { message?: string };
  if (!response.ok) {
    if (response.status === 403) byId('api-key-form').hidden = false;
    throw new Error(body.message ?? `${path} answered ${response.status}`);
  }
  return body;
}

interface Column<Row> {
  title: string;
  value: (row: Row) => string | number | null;
  format?: (value: number) => string;
}

interface ViewSpec<View extends AnalyticsViewName> {
  view: View;
  title: string;
  columns: Column<AnalyticsBody<View>['rows'][number]>[];
  chart?: (rows: AnalyticsBody<View>['rows']) => ChartConfiguration;
  /** A matrix drawn as a shaded table (cohorts, hour x weekday): the table is the chart. */
  matrix?: (rows: AnalyticsBody<View>['rows']) => {
    rows: string[];
    columns: string[];
    cell: (r: string, c: string) => number | undefined;
    format: (value: number) => string;
  };
  describe: (rows: AnalyticsBody<View>['rows']) => string;
}

const bar = (labels: string[], label: string, data: number[], horizontal = false): ChartConfiguration => ({
  type: 'bar',
  data: { labels, datasets: [{ label, data, backgroundColor: '#1d4f91' }] },
  options: { indexAxis: horizontal ? 'y' : 'x', plugins: { legend: { display: false } } },
});

const VIEWS = [
  {
    view: 'monthly-revenue',
    title: 'Monthly revenue',
    columns: [
      { title: 'Month', value: (row) => row.yearMonth },
      { title: 'Revenue', value: (row) => row.revenue, format: money.format },
      { title: 'Invoices', value: (row) => row.invoices, format: whole.format },
      { title: 'Customers', value: (row) => row.customers, format: whole.format },
    ],
    chart: (rows) => ({
      type: 'line',
      data: {
        labels: rows.map((row) => row.yearMonth),
        datasets: [{ label: 'Revenue (£)', data: rows.map((row) => row.revenue), borderColor: '#1d4f91' }],
      },
      options: { plugins: { legend: { display: false } } },
    }),
    describe: (rows) => `Line chart of revenue for ${rows.length} months; the table beside it lists each month.`,
  } satisfies ViewSpec<'monthly-revenue'>,
  {
    view: 'revenue-by-country',
    title: 'Revenue by country',
    columns: [
      { title: 'Country', value: (row) => row.country },
      { title: 'Revenue', value: (row) => row.revenue, format: money.format },
      { title: 'Share', value: (row) => row.revenueShare, format: percent.format },
      { title: 'Customers', value: (row) => row.customers, format: whole.format },
    ],
    // The United Kingdom is most of the revenue: the chart shows the next 15 countries on their own scale.
    chart: (rows) => {
      const others = rows.filter((row) => row.country !== 'United Kingdom').slice(0, 15);
      return bar(
        others.map((row) => row.country),
        'Revenue (£)',
        others.map((row) => row.revenue),
        true,
      );
    },
    describe: (rows) => {
      const uk = rows.find((row) => row.country === 'United Kingdom');
      return `Bar chart of revenue of the countries after the United Kingdom${uk?.revenueShare != null ? ` (which has ${percent.format(uk.revenueShare)})` : ''}; the table lists all ${rows.length}.`;
    },
  } satisfies ViewSpec<'revenue-by-country'>,
  {
    view: 'top-products',
    title: 'Top 10 products',
    columns: [
      { title: 'Stock code', value: (row) => row.stockCode },
      { title: 'Description', value: (row) => row.description },
      { title: 'Revenue', value: (row) => row.revenue, format: money.format },
      { title: 'Units', value: (row) => row.quantity, format: whole.format },
    ],
    chart: (rows) =>
      bar(
        rows.map((row) => row.description ?? row.stockCode),
        'Revenue (£)',
        rows.map((row) => row.revenue),
        true,
      ),
    describe: (rows) => `Bar chart of the revenue of the ${rows.length} best-selling products.`,
  } satisfies ViewSpec<'top-products'>,
  {
    view: 'top-customers',
    title: 'Top 10 customers',
    columns: [
      { title: 'Customer', value: (row) => row.customerId },
      { title: 'Revenue', value: (row) => row.revenue, format: money.format },
      { title: 'Invoices', value: (row) => row.invoices, format: whole.format },
      { title: 'Lines', value: (row) => row.lines, format: whole.format },
    ],
    chart: (rows) =>
      bar(
        rows.map((row) => row.customerId),
        'Revenue (£)',
        rows.map((row) => row.revenue),
        true,
      ),
    describe: (rows) => `Bar chart of the revenue of the ${rows.length} customers who spent most.`,
  } satisfies ViewSpec<'top-customers'>,
  {
    view: 'rfm-segments',
    title: 'RFM segments',
    columns: [
      { title: 'Segment', value: (row) => row.segment },
      { title: 'Customers', value: (row) => row.customers, format: whole.format },
      { title: 'Revenue', value: (row) => row.revenue, format: money.format },
    ],
    chart: (rows) =>
      bar(
        rows.map((row) => row.segment),
        'Customers',
        rows.map((row) => row.customers),
      ),
    describe: (rows) => `Bar chart of customers in each of ${rows.length} recency-frequency-monetary segments.`,
  } satisfies ViewSpec<'rfm-segments'>,
  {
    view: 'new-vs-returning',
    title: 'New and returning customers',
    columns: [
      { title: 'Month', value: (row) => row.yearMonth },
      { title: 'New', value: (row) => row.newCustomers, format: whole.format },
      { title: 'Returning', value: (row) => row.returningCustomers, format: whole.format },
    ],
    chart: (rows) => ({
      type: 'bar',
      data: {
        labels: rows.map((row) => row.yearMonth),
        datasets: [
          { label: 'New', data: rows.map((row) => row.newCustomers), backgroundColor: '#e07b00' },
          { label: 'Returning', data: rows.map((row) => row.returningCustomers), backgroundColor: '#1d4f91' },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true } } },
    }),
    describe: (rows) => `Stacked bar chart of new and returning customers in ${rows.length} months.`,
  } satisfies ViewSpec<'new-vs-returning'>,
  {
    view: 'cohort-retention',
    title: 'Cohort retention (customers active n months after their first purchase)',
    columns: [
      { title: 'Cohort', value: (row) => row.cohortMonth },
      { title: 'Months since', value: (row) => row.monthsSince },
      { title: 'Active customers', value: (row) => row.activeCustomers, format: whole.format },
    ],
    matrix: (rows) => {
      const cells = new Map(rows.map((row) => [`${row.cohortMonth}|${row.monthsSince}`, row.activeCustomers]));
      const months = [...new Set(rows.map((row) => row.monthsSince))].sort((a, b) => a - b).map(String);
      return {
        rows: [...new Set(rows.map((row) => row.cohortMonth))],
        columns: months,
        cell: (cohort, month) => cells.get(`${cohort}|${month}`),
        format: whole.format,
      };
    },
    describe: (rows) =>
      `Matrix of ${new Set(rows.map((row) => row.cohortMonth)).size} monthly cohorts, shaded by active customers.`,
  } satisfies ViewSpec<'cohort-retention'>,
  {
    view: 'hour-weekday',
    title: 'Sale invoices by hour and weekday',
    columns: [
      { title: 'Weekday', value: (row) => WEEKDAYS[row.dayOfWeek] ?? String(row.dayOfWeek) },
      { title: 'Hour', value: (row) => row.hourOfDay },
      { title: 'Invoices', value: (row) => row.invoices, format: whole.format },
      { title: 'Revenue', value: (row) => row.revenue, format: money.format },
    ],
    matrix: (rows) => {
      const cells = new Map(rows.map((row) => [`${WEEKDAYS[row.dayOfWeek]}|${row.hourOfDay}`, row.invoices]));
      const hours = [...new Set(rows.map((row) => row.hourOfDay))].sort((a, b) => a - b).map(String);
      return {
        rows: WEEKDAYS.filter((day) => rows.some((row) => WEEKDAYS[row.dayOfWeek] === day)),
        columns: hours,
        cell: (day, hour) => cells.get(`${day}|${hour}`),
        format: whole.format,
      };
    },
    describe: () => 'Heat map of sale invoices by weekday (rows) and hour of the day (columns).',
  } satisfies ViewSpec<'hour-weekday'>,
] as const;

function dataTable<Row>(view: string, title: string, columns: Column<Row>[], rows: Row[]): HTMLTableElement {
  const table = document.createElement('table');
  table.dataset.view = view;
  table.createCaption().textContent = `${title}: data table`;
  const head = table.createTHead().insertRow();
  for (const column of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = column.title;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const column of columns) {
      const value = column.value(row);
      const td = tr.insertCell();
      // The exact value for tests and copy-paste; the text is formatted for reading.
      td.dataset.value = value === null ? '' : String(value);
      td.textContent =
        value === null ? '–' : typeof value === 'number' && column.format ? column.format(value) : String(value);
    }
  }
  return table;
}

function matrixTable(
  title: string,
  matrix: NonNullable<ReturnType<NonNullable<ViewSpec<AnalyticsViewName>['matrix']>>>,
  label: string,
): HTMLTableElement {
  const table = document.createElement('table');
  table.className = 'matrix';
  table.setAttribute('aria-label', label);
  table.createCaption().textContent = title;
  const head = table.createTHead().insertRow();
  head.append(document.createElement('th'));
  for (const column of matrix.columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = column;
    head.append(th);
  }
  const values = matrix.rows.flatMap((row) => matrix.columns.map((column) => matrix.cell(row, column) ?? 0));
  const largest = Math.max(1, ...values);
  const body = table.createTBody();
  for (const row of matrix.rows) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = row;
    tr.append(th);
    for (const column of matrix.columns) {
      const value = matrix.cell(row, column);
      const td = tr.insertCell();
      td.textContent = value === undefined ? '' : matrix.format(value);
      const strength = (value ?? 0) / largest;
      td.style.background = `rgba(29, 79, 145, ${strength.toFixed(2)})`;
      td.style.color = strength > 0.5 ? '#fff' : '#1b1b1b';
    }
  }
  return table;
}

/** Each view's section, in VIEWS order whichever answers first. */
function viewSection(spec: (typeof VIEWS)[number]): HTMLElement {
  const existing = document.querySelector<HTMLElement>(`section[data-view="${spec.view}"]`);
  if (existing !== null) return existing;
  const section = document.createElement('section');
  section.className = 'view';
  section.dataset.view = spec.view;
  section.setAttribute('aria-labelledby', `${spec.view}-title`);
  byId('views').append(section);
  return section;
}

function renderView(spec: (typeof VIEWS)[number], body: AnalyticsBody<AnalyticsViewName>): void {
  const rows = body.rows as never[];
  const section = viewSection(spec);
  const description = (spec.describe as (rows: never[]) => string)(rows);
  section.replaceChildren();
  const heading = document.createElement('h2');
  heading.id = `${spec.view}-title`;
  heading.textContent = spec.title;
  const content = document.createElement('div');
  content.className = 'view-body';
  const tableWrap = document.createElement('div');
  tableWrap.className = 'table-wrap';
  tableWrap.append(dataTable(spec.view, spec.title, spec.columns as Column<never>[], rows));
  if ('chart' in spec) {
    const chartBox = document.createElement('div');
    chartBox.className = 'chart';
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${spec.title}. ${description}`);
    chartBox.append(canvas);
    content.append(chartBox, tableWrap);
    charts.get(spec.view)?.destroy();
    const config = (spec.chart as (rows: never[]) => ChartConfiguration)(rows);
    config.options = { ...config.options, maintainAspectRatio: false, animation: reducedMotion ? false : undefined };
    charts.set(spec.view, new Chart(canvas, config));
  } else {
    const matrix = (spec.matrix as (rows: never[]) => Parameters<typeof matrixTable>[1])(rows);
    const matrixWrap = document.createElement('div');
    matrixWrap.className = 'table-wrap';
    matrixWrap.append(matrixTable(spec.title, matrix, `${spec.title}. ${description}`));
    content.append(matrixWrap, tableWrap);
  }
  section.append(heading, content);
}

function renderHeadline(body: AnalyticsBody<'headline'>): void {
  const headline = body.rows[0];
  const figures: [string, string, number | null, (value: number) => string][] = [
    ['revenue', 'Revenue', headline?.revenue ?? null, money.format],
    ['invoices', 'Invoices', headline?.invoices ?? null, whole.format],
    ['customers', 'Customers', headline?.customers ?? null, whole.format],
    ['averageOrderValue', 'Average order value', headline?.averageOrderValue ?? null, money.format],
    ['units', 'Units sold', headline?.units ?? null, whole.format],
    ['cancellationRate', 'Cancellation rate', headline?.cancellationRate ?? null, percent.format],
  ];
  byId('headline').replaceChildren(
    ...figures.map(([key, title, value, format]) => {
      const figure = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = title;
      const dd = document.createElement('dd');
      dd.dataset.figure = key;
      dd.dataset.value = value === null ? '' : String(value);
      dd.textContent = value === null ? '–' : format(value);
      figure.append(dt, dd);
      return figure;
    }),
  );
}

function filterQuery(): string {
  const query = new URLSearchParams({
    from: byId<HTMLInputElement>('from').value,
    to: byId<HTMLInputElement>('to').value,
  });
  const country = byId<HTMLSelectElement>('country').value;
  if (country !== '') query.set('country', country);
  return query.toString();
}

// The filters' initial values: every day of the data set, every country.
const WHOLE_RANGE_QUERY = new URLSearchParams({ from: FIRST_DAY, to: LAST_DAY }).toString();

/**
 * Fetches every view at once and draws each as it answers (9 requests the warehouse runs side by side); the page is
 * loaded (`body[data-loaded]`, what the tests wait for) when all are drawn. Revenue by country over the whole range is
 * also the country filter's list, so the first load asks for it only once.
 */
async function refresh(): Promise<void> {
  const status = byId('status');
  status.className = '';
  status.textContent = 'Loading…';
  try {
    const query = filterQuery();
    const listsEveryCountry = query === WHOLE_RANGE_QUERY;
    // A failed request shows in the status through the views' own requests.
    if (!countriesFilled() && !listsEveryCountry) fetchCountries().catch(() => undefined);
    const headline = getJson<AnalyticsBody<'headline'>>(`/analytics/headline?${query}`).then((body) => {
      renderHeadline(body);
      return body;
    });
    const views = VIEWS.map(async (spec) => {
      const body = await getJson<AnalyticsBody<AnalyticsViewName>>(`/analytics/${spec.view}?${query}`);
      renderView(spec, body);
      if (spec.view === 'revenue-by-country' && listsEveryCountry)
        fillCountries(body as AnalyticsBody<'revenue-by-country'>);
    });
    const [{ filters }] = await Promise.all([headline, ...views]);
    const country = byId<HTMLSelectElement>('country').value;
    status.textContent = `Showing ${filters.from} to ${filters.to}, ${country === '' ? 'every country' : country}.`;
    document.body.dataset.loaded = query;
  } catch (error) {
    status.className = 'error';
    status.textContent = (error as Error).message;
  }
}

// The select holds only "Every country" until a list of countries fills it.
const countriesFilled = () => byId<HTMLSelectElement>('country').options.length > 1;

/** The country filter's options: every country with a line, from revenue by country over the whole range. */
function fillCountries(countries: AnalyticsBody<'revenue-by-country'>): void {
  if (countriesFilled()) return;
  const select = byId<HTMLSelectElement>('country');
  for (const country of countries.rows.map((row) => row.country).sort()) select.add(new Option(country, country));
}

async function fetchCountries(): Promise<void> {
  fillCountries(await getJson<AnalyticsBody<'revenue-by-country'>>('/analytics/revenue-by-country'));
}

async function lookUpInvoice(invoiceNo: string): Promise<void> {
  const target = byId('invoice');
  try {
    const { invoice, items } = await getJson<InvoiceItemsBody>(`/invoices/${encodeURIComponent(invoiceNo)}/items`);
    const summary = document.createElement('p');
    summary.dataset.invoiceTotal = String(invoice.total);
    summary.textContent = `Invoice ${invoice.invoiceNo} of ${invoice.invoiceDate.replace('T', ' ')}, customer ${invoice.customerId ?? 'none'}, ${invoice.country}: ${invoice.lineCount} lines, total ${money.format(invoice.total)}.`;
    target.replaceChildren(
      summary,
      dataTable(
        'invoice-items',
        `Invoice ${invoice.invoiceNo}`,
        [
          { title: 'Line', value: (item: InvoiceItemsBody['items'][number]) => item.lineNo },
          { title: 'Stock code', value: (item) => item.stockCode },
          { title: 'Description', value: (item) => item.description },
          { title: 'Quantity', value: (item) => item.quantity, format: whole.format },
          { title: 'Unit price', value: (item) => item.unitPrice, format: money.format },
          { title: 'Line total', value: (item) => item.lineTotal, format: money.format },
        ],
        items,
      ),
    );
  } catch (error) {
    const message = document.createElement('p');
    message.className = 'error';
    message.textContent = (error as Error).message;
    target.replaceChildren(message);
  }
}

function start(): void {
  byId<HTMLInputElement>('from').value = FIRST_DAY;
  byId<HTMLInputElement>('to').value = LAST_DAY;
  byId('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    void refresh();
  });
  byId('api-key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(API_KEY_STORAGE, byId<HTMLInputElement>('api-key').value.trim());
    byId('api-key-form').hidden = true;
    void refresh();
  });
  byId('invoice-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void lookUpInvoice(byId<HTMLInputElement>('invoice-no').value.trim());
  });
  for (const spec of VIEWS) viewSection(spec);
  void refresh();
}

start();
