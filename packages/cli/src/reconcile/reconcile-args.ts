import { parseArgs } from 'node:util';
import { UsageError } from '../command/cli-args';
import { DEFAULT_SCAN_SEGMENTS } from './reconcile-dynamodb';

export const RECONCILE_USAGE = `Usage: npm run reconcile -- [file] [--wait SECONDS] [--json] [--segments N] [--stack-file PATH | --stage STAGE]

Compares the invoice lines of a file with what every sink holds (DynamoDB, the raw S3 archive, the warehouse's fact
table): lines by line id, invoices, customers, exact revenue and each invoice's summary or totals. Exit 0 only when
all sinks agree with the file.

  file              the .csv or .csv.gz that was loaded; default: data/online-retail-sample.csv
  --wait SECONDS    read the sinks again until they agree or SECONDS have passed (for scripts and e2e tests)
  --json            print the report as JSON
  --segments N      parallel Scan segments of the invoice table, 1-64 (default ${DEFAULT_SCAN_SEGMENTS})
  --stack-file PATH the local platform's stack file (default: .local/stack.json, written by \`npm start\`)
  --stage STAGE     a deployed stage instead of the local platform: the table's name from resources/names.yml,
                    the raw bucket found by its name with ListBuckets, the warehouse through the Data API on the
                    stage's workgroup as your IAM identity (it needs the bi_read_only role); credentials and region
                    from the AWS SDK's usual sources, e.g. AWS_PROFILE=retail AWS_REGION=eu-west-2 npm run reconcile -- --stage dev`;

export interface ReconcileCommandOptions {
  file: string | undefined;
  waitSeconds: number | undefined;
  json: boolean;
  segments: number;
  stackFile: string | undefined;
  stage: string | undefined;
  help: boolean;
}

const MAX_SEGMENTS = 64;
const MAX_WAIT_SECONDS = 24 * 60 * 60;

export function parseReconcileArgs(argv: readonly string[]): ReconcileCommandOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        wait: { type: 'string' },
        json: { type: 'boolean', default: false },
        segments: { type: 'string' },
        'stack-file': { type: 'string' },
        stage: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw new UsageError(`expected at most one file, got ${positionals.length}: ${positionals.join(' ')}`);
  if (values.stage !== undefined && values['stack-file'] !== undefined) {
    throw new UsageError(
      '--stage and --stack-file name two different platforms: give one (--stage for AWS, --stack-file for a local platform)',
    );
  }
  if (values.stage !== undefined && !/^[a-zA-Z0-9-]+$/.test(values.stage))
    throw new UsageError(`--stage must be letters, digits and dashes, got '${values.stage}'`);
  return {
    file: positionals[0],
    waitSeconds: values.wait === undefined ? undefined : wholeNumber('--wait', values.wait, 0, MAX_WAIT_SECONDS),
    json: values.json === true,
    segments:
      values.segments === undefined
        ? DEFAULT_SCAN_SEGMENTS
        : wholeNumber('--segments', values.segments, 1, MAX_SEGMENTS),
    stackFile: values['stack-file'],
    stage: values.stage,
    help: values.help === true,
  };
}

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  return value;
}
