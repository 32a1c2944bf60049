// `npm start`: the local platform on the default ports (or RETAIL_*_PORT), until Ctrl-C.
import { formatReadyBanner } from './banner';
import { startLocalPlatform, type LocalPlatform } from './local-platform';
import { PORT_VARIABLES, portsFromEnvironment } from './platform-settings';

const USAGE = [
  'Usage: npm start [-- --fresh]',
  '',
  'Starts the emulators (Kinesis, DynamoDB, S3), creates the platform resources from the CloudFormation template,',
  'runs every service with serverless-offline behind one API URL, and writes .local/stack.json.',
  '',
  '  --fresh   delete the local state (.local/, or RETAIL_STATE_DIR) first',
  '',
  'State directory, from the environment: RETAIL_STATE_DIR (default .local/ in the repository)',
  '',
  'Ports, from the environment:',
  ...Object.values(PORT_VARIABLES).map(({ variable, defaultPort }) => `  ${variable}=${defaultPort}`),
].join('\n');

// npm and tsx relay the terminal's Ctrl-C to us, which also gets it directly: one press arrives two or three times.
const SAME_CTRL_C_MS = 1_000;

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const unknown = args.filter((arg) => arg !== '--fresh');
  if (unknown.length > 0) {
    console.error(`Unknown option: ${unknown.join(' ')}\n\n${USAGE}`);
    return 2;
  }

  const began = Date.now();
  const abort = new AbortController();
  let requestStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (requestStop = resolve));
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      abort.abort();
      requestStop(signal);
    } else if (Date.now() - firstSignalAt > SAME_CTRL_C_MS) {
      // An impatient second Ctrl-C: the exit hook still kills every child process group.
      console.error(`${signal} again: exiting now.`);
      process.exit(130);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  let platform: LocalPlatform;
  try {
    platform = await startLocalPlatform({
      fresh: args.includes('--fresh'),
      ports: portsFromEnvironment(),
      signal: abort.signal,
    });
  } catch (error) {
    if (abort.signal.aborted) {
      console.log('Stopped during start-up.');
      return 0;
    }
    console.error(`\nThe local platform did not start.\n${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  console.log(formatReadyBanner(platform.stack, platform.stackFile, Date.now() - began));

  const outcome = await Promise.race([
    stopRequested.then((signal) => ({ signal })),
    platform.failure.then((reason) => ({ reason })),
  ]);
  if ('reason' in outcome) {
    // The platform has stopped itself; the reason was printed as it happened, and is the last thing said.
    console.error(`\nThe local platform stopped.\n${outcome.reason}`);
    return 1;
  }
  console.log(`\n${outcome.signal}: stopping the local platform...`);
  await platform.stop();
  console.log(`Stopped. State kept in ${platform.stack.stateDir}`);
  return 0;
}

main().then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
