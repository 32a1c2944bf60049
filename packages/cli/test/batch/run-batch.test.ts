import {
  GetCrawlerCommand,
  GetCrawlersCommand,
  GetJobRunCommand,
  GetJobsCommand,
  StartCrawlerCommand,
  StartJobRunCommand,
  type GlueClient,
} from '@aws-sdk/client-glue';
import type { JobRunProgress } from '@retail/local-platform';
import { UsageError } from '../src/command/cli-args';
import { parseBatchArgs } from '../src/batch/batch-args';
import { formatBatchSummary, runBatch } from '../src/batch/run-batch';

/** A Glue that crawls at once and runs the job in two polls, recording what it was asked. */
function fakeGlue(jobState: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED') {
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
        return { JobRun: { Id: 'jr_1', JobRunState: polls < 2 ? 'RUNNING' : jobState } };
      }
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  } as unknown as GlueClient;
  return { glue, calls };
}

const progress: JobRunProgress = {
  state: 'SUCCEEDED',
  partitionsTotal: 3,
  partitionsDone: 3,
  objectsTotal: 4,
  objectsDone: 4,
  rowsLoaded: 1200,
  problems: [],
};

describe('npm run batch', () => {
  it('reads --full and --json, and refuses anything else', () => {
    expect(parseBatchArgs([])).toEqual({ full: false, json: false, help: false });
    expect(parseBatchArgs(['--full', '--json'])).toEqual({ full: true, json: true, help: false });
    expect(() => parseBatchArgs(['--fast'])).toThrow(UsageError);
  });

  it('crawls, runs the job, then catalogs the warehouse, and sums up partitions and rows', async () => {
    const { glue, calls } = fakeGlue();
    const summary = await runBatch({ full: false }, { glue, readProgress: async () => progress, pollMs: 1 });
    const starts = calls.filter((call) => call.command.startsWith('Start'));
    expect(starts).toEqual([
      { command: 'StartCrawlerCommand', input: { Name: 'raw' } },
      { command: 'StartJobRunCommand', input: { JobName: 'load', Arguments: undefined } },
      { command: 'StartCrawlerCommand', input: { Name: 'warehouse' } },
    ]);
    expect(summary).toMatchObject({ jobRunState: 'SUCCEEDED', partitions: 3, objects: 4, rows: 1200, problems: [] });
    expect(formatBatchSummary(summary)).toMatch(/partitions 3 \(4 objects\)[\s\S]*rows {7}1,200 loaded/);
  });

  it('with --full, asks the job to ignore its bookmark; a failed run is a problem', async () => {
    const { glue, calls } = fakeGlue('FAILED');
    const summary = await runBatch({ full: true }, { glue, readProgress: async () => progress, pollMs: 1 });
    expect(calls.find((call) => call.command === 'StartJobRunCommand')?.input).toEqual({
      JobName: 'load',
      Arguments: { '--job-bookmark-option': 'job-bookmark-disable' },
    });
    expect(summary.problems).toEqual(['job load jr_1: FAILED']);
    // The warehouse is not recrawled after a failed load.
    expect(calls.filter((call) => call.command === 'StartCrawlerCommand')).toHaveLength(1);
  });
});
