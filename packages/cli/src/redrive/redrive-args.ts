import { parseStrict, UsageError } from '../command/cli-args';

export const REDRIVE_USAGE = `Usage: npm run redrive -- [--dry-run] [--include-refused] [--json] [--stack-file PATH | --stage STAGE]

Puts the records the stream consumers gave up on back on the invoice line stream, from the failed-records bucket:
the invocation records Lambda's on-failure destination wrote under aws/lambda/ (the batch's records from their
payload, or read back from the stream by sequence number while the stream still holds them) and the records the
consumers kept under invalid/ that are invoice lines after all. Line ids make a replay safe. What it put back is
moved under redriven/, so a second run redrives nothing; records that are still invalid are left where they are,
counted with their reason.

  --dry-run         read and count only: put nothing on the stream, move nothing
  --include-refused also put back the lines a sink refused as invalid (kept under invalid/ as refused-by-sink), once
                    the sink has been changed to take them; a line refused again is kept again
  --json            print the summary as JSON
  --stack-file PATH the local platform's stack file (default: .local/stack.json, written by \`npm start\`)
  --stage STAGE     a deployed stage instead of the local platform: the failed-records bucket as the stage's template
                    declares it, found by its name with ListBuckets; credentials and region from the AWS SDK's usual
                    sources, e.g. AWS_PROFILE=retail AWS_REGION=eu-west-2 npm run redrive -- --stage dev

Exit code: 0 when every record that can be redriven was (or would be, with --dry-run), 1 when one could not be (the
stream refused it, or no longer holds it), 2 for a usage or configuration error.`;

export interface RedriveOptions {
  dryRun: boolean;
  includeRefused: boolean;
  json: boolean;
  stackFile: string | undefined;
  stage: string | undefined;
  help: boolean;
}

export function parseRedriveArgs(argv: readonly string[]): RedriveOptions {
  const { values, positionals } = parseStrict(argv, {
    'dry-run': { type: 'boolean', default: false },
    'include-refused': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'stack-file': { type: 'string' },
    stage: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (positionals.length > 0)
    throw new UsageError(`redrive takes no file or other argument, got ${positionals.join(' ')}`);
  const stage = values.stage as string | undefined;
  const stackFile = values['stack-file'] as string | undefined;
  if (stage !== undefined && stackFile !== undefined)
    throw new UsageError(
      '--stage and --stack-file name two different platforms: give one (--stage for AWS, --stack-file for a local platform)',
    );
  if (stage !== undefined && !/^[a-zA-Z0-9-]+$/.test(stage))
    throw new UsageError(`--stage must be letters, digits and dashes, got '${stage}'`);
  return {
    dryRun: values['dry-run'] === true,
    includeRefused: values['include-refused'] === true,
    json: values.json === true,
    stackFile,
    stage,
    help: values.help === true,
  };
}
