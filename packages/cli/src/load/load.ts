import { existsSync } from 'node:fs';
import { CsvFormatError, openCsvFile, readInvoiceLineCsv } from '@retail/domain';
import { readCommandLine } from '../command/cli-args';
import { LOAD_USAGE, parseLoadArgs, type LoadOptions } from './load-args';
import { runCommand } from '../command/command-process';
import { computeDataQualityReport, formatDataQualityReport } from './data-quality-report';
import { IngestApiClient } from './ingest-api-client';
import { formatLoadSummary, loadInvoiceLines, rowsNotAccepted } from './load-invoice-lines';
import { numberInvoiceLines } from './numbered-invoice-lines';
import { startFileProgress } from '../command/progress';
import { SAMPLE_DATA_FILE } from '../command/repository-paths';
import { resolveIngestApi, StackConfigError } from './stack-config';

/** `npm run load`: exit 0 when every row was accepted (or, with --dry-run, is valid); 1 when not; 2 for a usage error. */
async function main(argv: readonly string[]): Promise<number> {
  const commandLine = readCommandLine(argv, parseLoadArgs, LOAD_USAGE);
  if ('exitCode' in commandLine) return commandLine.exitCode;
  const { options } = commandLine;
  const path = options.file ?? SAMPLE_DATA_FILE;
  if (!existsSync(path)) {
    console.error(`no file at ${path}: give the path of a .csv or .csv.gz export of the data set`);
    return 2;
  }
  return options.dryRun ? dryRun(path, options) : load(path, options);
}

async function dryRun(path: string, options: LoadOptions): Promise<number> {
  const bytes = openCsvFile(path);
  const progress = startFileProgress(path, bytes, 'dry-run');
  try {
    const report = await computeDataQualityReport(numberInvoiceLines(readInvoiceLineCsv(bytes)), (rows) =>
      progress.update({ rows }),
    );
    progress.stop();
    console.log(
      options.json
        ? JSON.stringify(report, null, 2)
        : `Data-quality report of ${path} (dry run: nothing sent)\n${formatDataQualityReport(report)}`,
    );
    return report.invalidRows.rows > 0 ? 1 : 0;
  } finally {
    progress.stop();
  }
}

async function load(path: string, options: LoadOptions): Promise<number> {
  const api = await resolveIngestApi(options);
  const client = new IngestApiClient(api);
  const bytes = openCsvFile(path);
  console.error(
    `Loading ${path} into ${api.apiUrl} (batches of ${options.batchSize}, ${options.concurrency} in flight)`,
  );
  const progress = startFileProgress(path, bytes, 'load');
  try {
    const summary = await loadInvoiceLines({
      lines: numberInvoiceLines(readInvoiceLineCsv(bytes)),
      sendBatch: (batch) => client.sendBatch(batch),
      batchSize: options.batchSize,
      concurrency: options.concurrency,
      onProgress: (p) => progress.update({ rows: p.rowsSent, accepted: p.accepted, rejected: p.rejectedRows }),
    });
    progress.stop();
    console.log(options.json ? JSON.stringify(summary, null, 2) : formatLoadSummary(summary));
    return rowsNotAccepted(summary) > 0 || summary.stoppedBy !== undefined ? 1 : 0;
  } finally {
    progress.stop();
  }
}

// Errors about the input or the configuration are the user's to fix: their message is the whole story.
runCommand(main, (error) => error instanceof CsvFormatError || error instanceof StackConfigError);
