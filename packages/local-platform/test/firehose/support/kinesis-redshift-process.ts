import { startLocalFirehose, type LocalFirehoseOptions } from '../../../src/firehose';

/**
 * Runs the local Firehose with Kinesis-sourced Redshift streams in a process of its own so a test can SIGKILL it:
 * options as JSON in argv[2]; prints `running` once started.
 */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]!) as LocalFirehoseOptions;
  await startLocalFirehose({
    ...options,
    log: (message) => process.stderr.write(`${message}\n`),
  });
  process.stdout.write('running\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
