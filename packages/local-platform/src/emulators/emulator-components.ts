import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertPortFree } from '../free-port';
import { childProcessEnvironment } from '../local-aws-environment';
import { NodeProcessGroup } from '../node-process-group';
import type { PlatformComponent, StackContribution } from '../platform-component';
import { SupervisedProcess } from '../supervised-process';
import {
  BUSY_PROCESS_NODE_OPTIONS,
  describePortSetting,
  LOOPBACK_HOST,
  PORT_VARIABLES,
  type PlatformPorts,
} from '../platform-settings';
import type { StackEndpoints } from '../stack-file';
import { EMULATOR_LISTENING_LINE, type EmulatorName, type EmulatorServerSpec } from './emulator-servers';

interface EmulatorDefinition {
  emulator: EmulatorName;
  /** Its key in stack.json `endpoints`. */
  endpoint: keyof Omit<StackEndpoints, 'services'>;
  /** The SDK's own service-specific endpoint variable, read by every AWS SDK v3 client. */
  endpointVariable: string;
  port: keyof PlatformPorts;
  /** Its folder under the state directory. */
  stateFolder: string;
  /** Node flags of its process, besides the TypeScript loader. */
  nodeOptions: readonly string[];
}

export const EMULATORS: readonly EmulatorDefinition[] = [
  {
    emulator: 'kinesalite',
    endpoint: 'kinesis',
    endpointVariable: 'AWS_ENDPOINT_URL_KINESIS',
    port: 'kinesis',
    stateFolder: 'kinesis',
    nodeOptions: BUSY_PROCESS_NODE_OPTIONS,
  },
  {
    emulator: 'dynalite',
    endpoint: 'dynamodb',
    endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB',
    port: 'dynamodb',
    stateFolder: 'dynamodb',
    nodeOptions: [],
  },
  {
    emulator: 's3rver',
    endpoint: 's3',
    endpointVariable: 'AWS_ENDPOINT_URL_S3',
    port: 's3',
    stateFolder: 's3',
    nodeOptions: BUSY_PROCESS_NODE_OPTIONS,
  },
];

const EMULATOR_ENTRY = path.join(__dirname, 'emulator-process-entry.ts');
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;
const EMULATOR_START_TIMEOUT_MS = 60_000;

/**
 * Runs one emulator as a child process on loopback, its state in `<stateDir>/<stateFolder>`; restarted on the same
 * port and state when it dies (supervised-process.ts).
 */
export function emulatorComponent(definition: EmulatorDefinition, port: number): PlatformComponent {
  return {
    name: definition.emulator,
    async start({ platform, signal, log, giveUp }) {
      const directory = path.join(platform.stateDir, definition.stateFolder);
      await mkdir(directory, { recursive: true });
      // 0 picks a free port the first time; a restart takes the port it got.
      let listeningPort = port;
      const setting = () => describePortSetting(definition.port, listeningPort);
      const emulator = await SupervisedProcess.start(
        {
          name: definition.emulator,
          where: () => `${LOOPBACK_HOST}:${listeningPort} with its state in ${directory}`,
          remedy:
            `Its last lines above say why. If its state in ${directory} is damaged, move that folder away (or ` +
            `\`npm start -- --fresh\` starts with empty state); if another program took the port, stop it or choose another port (${PORT_VARIABLES[definition.port].variable}).`,
          supervision: { log, giveUp },
          start: async (startSignal) => {
            if (listeningPort !== 0) await assertPortFree(listeningPort, setting());
            const spec: EmulatorServerSpec = {
              emulator: definition.emulator,
              host: LOOPBACK_HOST,
              port: listeningPort,
              directory,
            };
            const child = new NodeProcessGroup({
              name: definition.emulator,
              script: EMULATOR_ENTRY,
              args: [JSON.stringify(spec)],
              nodeOptions: [...definition.nodeOptions, '--import', TSX_LOADER],
              // kinesalite and dynalite build the ARNs they report from AWS_REGION and AWS_ACCOUNT_ID.
              env: childProcessEnvironment({ AWS_REGION: platform.region, AWS_ACCOUNT_ID: platform.accountId }),
            });
            try {
              const [, reported] = await child.waitForLine(
                EMULATOR_LISTENING_LINE,
                EMULATOR_START_TIMEOUT_MS,
                startSignal,
              );
              listeningPort = Number(reported);
              return child;
            } catch (error) {
              await child.stop();
              throw error;
            }
          },
        },
        signal,
      );
      const url = `http://${LOOPBACK_HOST}:${listeningPort}`;
      log.nameAddress(`${LOOPBACK_HOST}:${listeningPort}`, definition.emulator);
      const contribution: StackContribution = {
        endpoints: { [definition.endpoint]: url },
        environment: { [definition.endpointVariable]: url },
        processes: { [definition.emulator]: emulator.pid },
      };
      return { contribution, stop: () => emulator.stop() };
    },
  };
}

export function emulatorComponents(ports: PlatformPorts): PlatformComponent[] {
  return EMULATORS.map((definition) => emulatorComponent(definition, ports[definition.port]));
}
