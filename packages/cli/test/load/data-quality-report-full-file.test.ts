import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DataQualityReport } from '../../src/load/data-quality-report';
import { findFullDataFile, REPOSITORY_ROOT } from '../../src/command/repository-paths';

const run = promisify(execFile);

// shared/data/README.md, "Verification figures": computed there with Python's csv module and exact decimals.
describe('npm run load -- --dry-run on the full data set (shared/data/online-retail/data.csv.gz)', () => {
  it('reports every figure the data README verifies', async () => {
    const file = findFullDataFile();
    if (file === undefined)
      throw new Error(
        'shared/data/online-retail/data.csv.gz is missing: it sits beside the repository on every machine and in CI',
      );

    // Run as users run it (tsx, outside jest's module sandbox, which parses CSV about 3x slower).
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(REPOSITORY_ROOT, 'packages/cli/src/load/load.ts'), '--dry-run', '--json', file],
      {
        cwd: REPOSITORY_ROOT,
        maxBuffer: 1 << 20,
      },
    );
    const report = JSON.parse(stdout) as DataQualityReport;

    expect(report).toMatchObject({
      rows: 541_909,
      validRows: 541_909,
      invoices: { distinct: 25_900, cancellations: 3_836, adjustments: 3 },
      customers: 4_372,
      countries: 38,
      stockCodes: 4_070,
      descriptions: 4_224,
      invoiceDates: { first: '2010-12-01T08:26:00', last: '2011-12-09T12:50:00', days: 305 },
      cancellationRows: 9_288,
      missingCustomerId: 135_080,
      missingDescription: 1_454,
      quantityNotPositive: { rows: 10_624, onNonCancellationInvoices: 1_336 },
      unitPriceNotPositive: { rows: 2_517, zero: 2_515, negative: 2 },
      exactDuplicates: { extraCopies: 5_268, groups: 4_879 },
      revenue: '9747747.934',
      cleanSales: { rows: 397_884, customers: 4_338, revenue: '8911407.904' },
      invalidRows: { rows: 0, reasons: [] },
    });
  });
});
