import { parseArgs } from 'node:util';
import { UsageError } from '../command/cli-args';

export const BATCH_USAGE = `Usage: npm run batch -- [--full] [--json]

  Runs the batch pipeline on the running local platform (\`npm start\`), as the Glue workflow does on AWS: the raw
  archive's crawler, the load job (the partitions its bookmark has not seen -> landing table -> merge), then the
  warehouse crawler. Prints the partitions and rows loaded and the time taken.

  --full   ignore the job's bookmark: load every partition again (the merge keeps each line once)
  --json   print the summary as JSON, for scripts

  Exit code: 0 when every row was loaded, 1 when a row or a step was not, 2 for a usage or configuration error.`;

export interface BatchOptions {
  full: boolean;
  json: boolean;
  help: boolean;
}

export function parseBatchArgs(argv: readonly string[]): BatchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        full: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { full: values.full ?? false, json: values.json ?? false, help: values.help ?? false };
}
