// Runs event-source mappings in a child process the crash test can SIGKILL: options as JSON in argv[2].
import {
  startKinesisEventSourceMappings,
  type StartKinesisEventSourceMappingsOptions,
} from '../../src/event-source-mapping';

const options = JSON.parse(process.argv[2] ?? '{}') as StartKinesisEventSourceMappingsOptions;
startKinesisEventSourceMappings({
  ...options,
  log: { info: () => undefined, warn: (message) => console.error(message) },
}).then(
  () => console.log('started'),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
