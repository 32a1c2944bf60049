import { parseArgs } from 'node:util';
import { UsageError } from '../command/cli-args';

export const BATCH_USAGE = `Usage: npm run batch -- [--full] [--json]

  Runs the batch pipeline on the running local platform (\`npm start\`), as the Glue workflow does on AWS: the raw
  archive's crawler, the load job (resources/glue/load-raw-to-warehouse.py under python3: the objects the warehouse's
  ledger lacks -> one COPY -> the merge), then the warehouse crawler. Prints the job's log as it runs, then the
  partitions, objects and rows loaded, each object the COPY refused (file, line, reason) and the time taken.

  --full   every object again, the ledger ignored (--load_mode all; the merge keeps each line once)
  --json   print the summary as JSON, for scripts

  Exit code: 0 when every object was loaded, 1 when an object or a step was not, 2 for a usage or configuration error.`;

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
