import AxeBuilder from '@axe-core/playwright';
import type { LocalPlatform, StackFile } from '@retail/local-platform';
import {
  DEBIAN_CHROMIUM,
  sampleAnalytics,
  type SampleAnalytics,
  type SampleAnalyticsFilters,
} from '@retail/test-support';
import type { InvoiceLineEvent } from '@retail/domain';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPlatformWithSample } from './support/platform-with-sample';
import { REPO_ROOT } from './support/sample-lines';

const ARTEFACTS = path.join(REPO_ROOT, 'test-artefacts', 'dashboard');

let platform: LocalPlatform;
let stack: StackFile;
let stop: (() => Promise<void>) | undefined;
let lines: InvoiceLineEvent[];
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  ({ platform, lines, stop } = await startPlatformWithSample('dashboard'));
  stack = platform.stack;
  browser = await chromium.launch({ executablePath: DEBIAN_CHROMIUM });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, reducedMotion: 'reduce' });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  await mkdir(ARTEFACTS, { recursive: true });
}, 420_000);

afterAll(async () => {
  await browser?.close();
  await stop?.();
});

const cellValues = (view: string) =>
  page.$$eval(`table[data-view="${view}"] tbody tr`, (rows) =>
    rows.map((row) => Array.from(row.querySelectorAll('td')).map((cell) => cell.dataset.value ?? '')),
  );

const text = (value: string | number | null) => (value === null ? '' : String(value));

/** Each table as the page's columns read it (see dashboard/dashboard.ts), computed from the sample. */
function expectedTables(expected: SampleAnalytics): Record<string, string[][]> {
  const total = expected.revenueByCountry.reduce((sum, row) => sum + Math.round(row.revenue * 1000), 0);
  return {
    'monthly-revenue': expected.monthlyRevenue.map((row) =>
      [row.yearMonth, row.revenue, row.invoices, row.customers].map(text),
    ),
    'revenue-by-country': expected.revenueByCountry.map((row) => [
      row.country,
      text(row.revenue),
      (Math.round(row.revenue * 1000) / total).toFixed(6),
      text(row.customers),
    ]),
    'top-products': expected.topProducts.map((row) => [row.stockCode, '*', text(row.revenue), text(row.quantity)]),
    'top-customers': expected.topCustomers.map((row) =>
      [row.customerId, row.revenue, row.invoices, row.lines].map(text),
    ),
    'rfm-segments': expected.rfmSegments.map((row) => [row.segment, row.customers, row.revenue].map(text)),
    'new-vs-returning': expected.newVsReturning.map((row) =>
      [row.yearMonth, row.newCustomers, row.returningCustomers].map(text),
    ),
    'cohort-retention': expected.cohortRetention.map((row) =>
      [row.cohortMonth, row.monthsSince, row.activeCustomers].map(text),
    ),
    'hour-weekday': expected.hourWeekday.map((row) =>
      [['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][row.dayOfWeek]!, row.hourOfDay, row.invoices, row.revenue].map(
        text,
      ),
    ),
  };
}

async function expectThePageToShow(filters: SampleAnalyticsFilters): Promise<void> {
  const expected = sampleAnalytics(lines, filters);
  const figures = await page.$$eval('#headline dd', (cells) =>
    Object.fromEntries(cells.map((cell) => [cell.dataset.figure!, cell.dataset.value ?? ''])),
  );
  const { headline } = expected;
  expect({ ...figures, averageOrderValue: undefined, cancellationRate: undefined }).toEqual({
    revenue: text(headline.revenue),
    invoices: text(headline.invoices),
    customers: text(headline.customers),
    units: text(headline.units),
    averageOrderValue: undefined,
    cancellationRate: undefined,
  });
  expect(Number(figures.averageOrderValue)).toBeCloseTo(headline.averageOrderValue!, 6);
  expect(Number(figures.cancellationRate)).toBeCloseTo(headline.cancellationRate!, 6);
  for (const [view, rows] of Object.entries(expectedTables(expected))) {
    let shown = await cellValues(view);
    // Shares are doubles and descriptions come from dim_product: compared to 6 places, and present.
    if (view === 'revenue-by-country')
      shown = shown.map(([country, revenue, share, customers]) => [
        country!,
        revenue!,
        Number(share).toFixed(6),
        customers!,
      ]);
    if (view === 'top-products')
      shown = shown.map(([code, description, revenue, units]) => [code!, description ? '*' : '', revenue!, units!]);
    expect({ view, rows: shown }).toEqual({ view, rows });
  }
  expect(
    await page.$$eval('canvas[role="img"]', (canvases) => canvases.every((c) => c.getAttribute('aria-label'))),
  ).toBe(true);
}

async function waitForFilters(query: string): Promise<void> {
  await page.waitForFunction((expected) => document.body.dataset.loaded === expected, query, { timeout: 60_000 });
}

describe('the dashboard in a real browser (Debian chromium), on the sample', () => {
  it('shows every headline figure and table as computed straight from the CSV', async () => {
    console.log(`chromium ${browser.version()}`);
    expect(stack.dashboardUrl).toMatch(/\/dashboard#apiKey=/);
    const started = Date.now();
    await page.goto(stack.dashboardUrl!);
    await waitForFilters('from=2010-12-01&to=2011-12-09');
    console.log(`dashboard interactive in ${Date.now() - started} ms`);
    await expectThePageToShow({});
    // Each view is drawn as it answers, yet in its own place, and revenue by country filled the country filter.
    expect(await page.$$eval('section[data-view]', (sections) => sections.map((s) => s.dataset.view))).toEqual(
      Object.keys(expectedTables(sampleAnalytics(lines, {}))),
    );
    expect(
      await page.$$eval('#country option', (options) => options.map((option) => (option as HTMLOptionElement).value)),
    ).toEqual(['', ...[...new Set(lines.map((line) => line.country))].sort()]);
    await page.screenshot({ path: path.join(ARTEFACTS, 'dashboard.png'), fullPage: true });
  });

  it('changes every view to the country chosen', async () => {
    await page.selectOption('#country', 'France');
    await page.click('#filters button[type="submit"]');
    await waitForFilters('from=2010-12-01&to=2011-12-09&country=France');
    await expectThePageToShow({ country: 'France' });
    await page.screenshot({ path: path.join(ARTEFACTS, 'dashboard-france.png'), fullPage: true });
  });

  it('looks up invoice 536365 through the visualization API: 7 lines totalling 139.12', async () => {
    await page.fill('#invoice-no', '536365');
    await page.click('#invoice-form button[type="submit"]');
    await page.waitForSelector('table[data-view="invoice-items"]');
    const items = await cellValues('invoice-items');
    expect(items).toHaveLength(7);
    expect(items.reduce((sum, cells) => sum + Math.round(Number(cells[5]) * 1000), 0)).toBe(139_120);
    expect(await page.getAttribute('[data-invoice-total]', 'data-invoice-total')).toBe('139.12');
    await page.screenshot({ path: path.join(ARTEFACTS, 'invoice-536365.png') });
  });

  it('has no serious or critical accessibility violation and logged no console error', async () => {
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(
      violations
        .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
        .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.length})`),
    ).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
