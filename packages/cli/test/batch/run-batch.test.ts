import {
  GetCrawlerCommand,
  GetCrawlersCommand,
  GetJobRunCommand,
  GetJobsCommand,
  StartCrawlerCommand,
  StartJobRunCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import { UsageError } from '../../src/command/cli-args';
import { parseBatchArgs } from '../../src/batch/batch-args';
import { formatBatchSummary, parseRunSummary, runBatch } from '../../src/batch/run-batch';

/** A Glue that crawls at once and runs the job in two polls, recording what it was asked. */
function fakeGlue(jobState: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED', errorMessage?: string) {
  const calls: { command: string; input: unknown }[] = [];
  let crawls = 0;
  let polls = 0;
  const glue = {
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      calls.push({ command: command.constructor.name, input: command.input });
      if (command instanceof GetCrawlersCommand)
        return {
          Crawlers: [
            { Name: 'raw', Targets: { S3Targets: [{ Path: 's3://b/invoice-lines/' }], JdbcTargets: [] } },
            {
              Name: 'warehouse',
              Targets: { S3Targets: [], JdbcTargets: [{ ConnectionName: 'c', Path: 'retail/retail/%' }] },
            },
          ],
        };
      if (command instanceof GetJobsCommand) return { Jobs: [{ Name: 'load' }] };
      if (command instanceof StartCrawlerCommand) {
        crawls += 1;
        return {};
      }
      if (command instanceof GetCrawlerCommand)
        return { Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: new Date(crawls * 1000) } } };
      if (command instanceof StartJobRunCommand) return { JobRunId: 'jr_1' };
      if (command instanceof GetJobRunCommand) {
        polls += 1;
        const state = polls < 2 ? 'RUNNING' : jobState;
        return {
          JobRun: { Id: 'jr_1', JobRunState: state, ...(state === 'FAILED' ? { ErrorMessage: errorMessage } : {}) },
        };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  } as unknown as GlueClient;
  return { glue, calls };
}

const summaryLine = (summary: object) => `SUMMARY ${JSON.stringify(summary)}`;
const loaded = summaryLine({ partitions: 3, objects: 4, objectsLoaded: 4, rows: 1200, failed: [], refusedEarlier: 0 });

/** The run's log growing by one line per read, as the script writes it. */
function growingLog(lines: string[]) {
  let reads = 0;
  return async () => {
    reads += 1;
    return lines
      .slice(0, reads)
      .map((line) => `${line}\n`)
      .join('');
  };
}

describe('npm run batch', () => {
  it('reads --full and --json, and refuses anything else', () => {
    expect(parseBatchArgs([])).toEqual({ full: false, json: false, help: false });
    expect(parseBatchArgs(['--full', '--json'])).toEqual({ full: true, json: true, help: false });
    expect(() => parseBatchArgs(['--fast'])).toThrow(UsageError);
  });

  it("crawls, runs the job, then catalogs the warehouse; shows the job's log as it comes and sums up its SUMMARY", async () => {
    const { glue, calls } = fakeGlue();
    const shown: string[] = [];
    const summary = await runBatch(
      { full: false },
      {
        glue,
        readRunLog: growingLog(['load-raw-to-warehouse: 3 partitions, 4 objects; 4 to load', loaded]),
        onLogLines: (lines) => shown.push(...lines),
        runLogPath: (job, runId) => `/state/glue/job-runs/${job}/${runId}/run.log`,
        pollMs: 1,
      },
    );
    const starts = calls.filter((call) => call.command.startsWith('Start'));
    expect(starts).toEqual([
      { command: 'StartCrawlerCommand', input: { Name: 'raw' } },
      { command: 'StartJobRunCommand', input: { JobName: 'load', Arguments: undefined } },
      { command: 'StartCrawlerCommand', input: { Name: 'warehouse' } },
    ]);
    expect(shown).toEqual(['load-raw-to-warehouse: 3 partitions, 4 objects; 4 to load', loaded]);
    expect(summary).toMatchObject({
      jobRunState: 'SUCCEEDED',
      partitions: 3,
      objects: 4,
      rows: 1200,
      problems: [],
      log: '/state/glue/job-runs/load/jr_1/run.log',
    });
    expect(formatBatchSummary(summary)).toMatch(
      /partitions 3 \(4 objects not in the ledger\)[\s\S]*rows {7}1,200 loaded/,
    );
  });

  it('with --full, asks the job for every object (--load_mode all); each refused object and the failed run are problems', async () => {
    const { glue, calls } = fakeGlue('FAILED', '1 of 4 objects not loaded (ledger status failed): s3://b/k/bad.gz');
    const failed = summaryLine({
      partitions: 3,
      objects: 4,
      objectsLoaded: 3,
      rows: 900,
      failed: [{ url: 's3://b/k/bad.gz', problem: "line 2, column quantity: Invalid digit (value 'x') [error 1207]" }],
      refusedEarlier: 0,
    });
    const summary = await runBatch({ full: true }, { glue, readRunLog: async () => `${failed}\n`, pollMs: 1 });
    expect(calls.find((call) => call.command === 'StartJobRunCommand')?.input).toEqual({
      JobName: 'load',
      Arguments: { '--load_mode': 'all' },
    });
    expect(summary.problems).toEqual([
      "not loaded: s3://b/k/bad.gz: line 2, column quantity: Invalid digit (value 'x') [error 1207]",
      'job load jr_1: FAILED 1 of 4 objects not loaded (ledger status failed): s3://b/k/bad.gz',
    ]);
    expect(summary.rows).toBe(900);
    // The warehouse is not recrawled after a failed load.
    expect(calls.filter((call) => call.command === 'StartCrawlerCommand')).toHaveLength(1);
  });

  it('reads the last SUMMARY line of a log, and none from a run that died before it', () => {
    expect(parseRunSummary(`a\n${loaded}\n`)).toMatchObject({ rows: 1200 });
    expect(parseRunSummary('load-raw-to-warehouse: 3 partitions\n')).toBeUndefined();
  });
});
