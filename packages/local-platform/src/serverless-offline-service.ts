import { access, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { assertPortFree, findFreePort } from './free-port';
import { isJsonObject } from './json-object';
import { childProcessEnvironment } from './local-aws-environment';
import { NodeProcessGroup } from './node-process-group';
import type { ComponentContext, PlatformComponent, RunningComponent, StackContribution } from './platform-component';
import {
  BUSY_PROCESS_NODE_OPTIONS,
  DEFAULT_SERVICES_PARENT_DIR,
  describePortSetting,
  ESBUILD_WORK_FOLDER_VARIABLE,
  LOOPBACK_HOST,
  SERVERLESS_CLI,
} from './platform-settings';
import { printServerlessConfiguration } from './serverless-print';
import { SupervisedProcess } from './supervised-process';

/** A service folder that declares functions, as `sls print` resolves it for the stage. */
export interface ServiceDefinition {
  /** The folder name, e.g. "ingest": its key in stack.json and its log prefix. */
  name: string;
  directory: string;
  functionNames: string[];
  routes: ServiceRoute[];
  /** The whole `sls print` output, for components that read other events (e.g. Kinesis event-source mappings). */
  configuration: unknown;
}

export interface ServiceRoute {
  /** Upper case; ANY matches every method. */
  method: string;
  /** API Gateway path template with a leading slash and without the stage, e.g. /invoices/{invoiceNo}. */
  path: string;
  private: boolean;
}

/** A folder of the service list (its index is its port slot) and its definition if it has functions. */
export interface ServiceSlot {
  directory: string;
  definition: ServiceDefinition | undefined;
}

const SERVERLESS_CONFIG_FILES = [
  'serverless.yml',
  'serverless.yaml',
  'serverless.ts',
  'serverless.js',
  'serverless.json',
];
// About 3 s on an idle machine (esbuild bundles the handlers first).
const SERVICE_START_TIMEOUT_MS = 180_000;
// serverless-offline 14.8.2's own readiness lines: the HTTP server (when there are http events) starts after Lambda's.
const HTTP_READY_LINE = /Server ready: /;
const LAMBDA_READY_LINE = /Offline \[http for lambda\] listening on /;

/** Every folder of services/, sorted so each keeps its port slot. */
export async function listServiceDirs(parent: string = DEFAULT_SERVICES_PARENT_DIR): Promise<string[]> {
  const entries = await readdir(parent, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(parent, entry.name))
    .sort();
}

/** Undefined when the folder has no Serverless config yet or declares no functions: such a service is skipped. */
export async function readServiceDefinition(
  directory: string,
  stage: string,
  signal?: AbortSignal,
): Promise<ServiceDefinition | undefined> {
  const configs = await Promise.all(
    SERVERLESS_CONFIG_FILES.map((file) =>
      access(path.join(directory, file)).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (!configs.includes(true)) return undefined;
  const definition = serviceDefinitionFromPrintedConfiguration(
    directory,
    await printServerlessConfiguration(directory, stage, signal),
  );
  return definition.functionNames.length > 0 ? definition : undefined;
}

/** Functions and their `http` events (API Gateway REST, what serverless-offline serves) from `sls print` output. */
export function serviceDefinitionFromPrintedConfiguration(directory: string, printed: unknown): ServiceDefinition {
  const functions = isJsonObject(printed) && isJsonObject(printed.functions) ? printed.functions : {};
  const routes: ServiceRoute[] = [];
  for (const [functionName, declaration] of Object.entries(functions)) {
    const events = isJsonObject(declaration) && Array.isArray(declaration.events) ? declaration.events : [];
    for (const event of events) {
      if (!isJsonObject(event) || event.http === undefined) continue;
      routes.push(routeOf(event.http, `${path.basename(directory)} ${functionName}`));
    }
  }
  return {
    name: path.basename(directory),
    directory,
    functionNames: Object.keys(functions),
    routes,
    configuration: printed,
  };
}

function routeOf(http: unknown, where: string): ServiceRoute {
  // `http: GET /path` or `http: { method, path, private }`.
  const [method, routePath, isPrivate] =
    typeof http === 'string'
      ? [...http.trim().split(/\s+/), false]
      : isJsonObject(http)
        ? [http.method, http.path, http.private === true]
        : [];
  if (typeof method !== 'string' || typeof routePath !== 'string') {
    throw new Error(`${where}: an http event needs a method and a path, got ${JSON.stringify(http)}.`);
  }
  return { method: method.toUpperCase(), path: `/${routePath.replace(/^\/+/, '')}`, private: isPrivate === true };
}

/**
 * Runs each service with serverless-offline (its own HTTP server and Lambda Invoke endpoint) against the emulators.
 * Slot i of `slots` gets ports portBase + 2i and + 2i + 1, or free ports when portBase is 0.
 */
export function serverlessOfflineServicesComponent(slots: Promise<ServiceSlot[]>, portBase: number): PlatformComponent {
  return {
    name: 'services',
    async start(context) {
      const started = await Promise.allSettled(
        (await slots).map((slot, index) =>
          slot.definition === undefined ? undefined : startService(slot.definition, portBase, index, context),
        ),
      );
      const running = started.flatMap((result) =>
        result.status === 'fulfilled' && result.value !== undefined ? [result.value] : [],
      );
      const stopAll = async () => {
        await Promise.all(running.map((service) => service.stop()));
      };
      const failed = started.find((result) => result.status === 'rejected');
      if (failed !== undefined) {
        await stopAll();
        throw failed.reason;
      }
      for (const slot of await slots) {
        if (slot.definition === undefined)
          context.log.info(`  ${path.basename(slot.directory)}: no serverless.yml with functions yet, not started`);
      }
      const contribution = running.reduce<StackContribution>(
        (sum, { contribution: part }) => ({
          serviceEndpoints: { ...sum.serviceEndpoints, ...part.serviceEndpoints },
          routes: [...(sum.routes ?? []), ...(part.routes ?? [])],
          processes: { ...sum.processes, ...part.processes },
        }),
        {},
      );
      return { contribution, stop: stopAll };
    },
  };
}

async function startService(
  definition: ServiceDefinition,
  portBase: number,
  slot: number,
  { platform, stack, log, signal, giveUp }: ComponentContext,
): Promise<RunningComponent> {
  const [httpPort, lambdaPort] =
    portBase === 0 ? [await findFreePort(), await findFreePort()] : [portBase + 2 * slot, portBase + 2 * slot + 1];
  if (portBase !== 0) {
    const setting = `${describePortSetting('serviceBase', portBase)}, service ${definition.name}`;
    await Promise.all([assertPortFree(httpPort, setting), assertPortFree(lambdaPort, setting)]);
  }
  // Its own build folder: `sls package` in the service's folder rebuilds and deletes .esbuild/ (see serviceBuildFolder).
  const buildFolder = serviceBuildFolder(platform.stateDir, definition.name);
  const name = `service ${definition.name}`;
  const service = await SupervisedProcess.start(
    {
      name,
      // Built again from the service's folder, so a restart also picks up a fix made since.
      where: () =>
        definition.routes.length > 0
          ? `${LOOPBACK_HOST}:${httpPort} (Lambda Invoke on ${lambdaPort})`
          : `${LOOPBACK_HOST}:${lambdaPort} (Lambda Invoke)`,
      remedy: `Its last lines above say why: fix what they name in ${definition.directory} and \`npm start\` again.`,
      supervision: { log, giveUp },
      start: async (startSignal) => {
        await rm(buildFolder, { recursive: true, force: true });
        const child = new NodeProcessGroup({
          name,
          script: SERVERLESS_CLI,
          nodeOptions: BUSY_PROCESS_NODE_OPTIONS,
          // In process: a worker thread per concurrent invocation (the default) costs a thread start and a bundle load
          // per request burst, which dominated both the stream consumers' CPU and the read API's latency under load.
          args: [
            'offline',
            'start',
            '--stage',
            platform.stage,
            '--host',
            LOOPBACK_HOST,
            '--httpPort',
            `${httpPort}`,
            '--lambdaPort',
            `${lambdaPort}`,
            '--noSponsor',
            '--useInProcess',
          ],
          cwd: definition.directory,
          env: childProcessEnvironment({
            ...stack.environment,
            [ESBUILD_WORK_FOLDER_VARIABLE]: path.relative(definition.directory, buildFolder),
          }),
          onLine: (line) => log.serviceOutput(definition.name, line),
        });
        try {
          await child.waitForLine(
            definition.routes.length > 0 ? HTTP_READY_LINE : LAMBDA_READY_LINE,
            SERVICE_START_TIMEOUT_MS,
            startSignal,
          );
          await assertBuiltInto(buildFolder, definition);
          return child;
        } catch (error) {
          await child.stop();
          throw error;
        }
      },
    },
    signal,
  );
  const origin = (port: number) => `http://${LOOPBACK_HOST}:${port}`;
  return {
    contribution: {
      serviceEndpoints: {
        [definition.name]: {
          ...(definition.routes.length > 0 ? { http: origin(httpPort) } : {}),
          lambda: origin(lambdaPort),
        },
      },
      routes: definition.routes.map((route) => ({ service: definition.name, ...route })),
      processes: { [name]: service.pid },
    },
    stop: () => service.stop(),
  };
}

/**
 * Where the platform builds a service: under the state directory, not in the service's .esbuild/, which any
 * `sls package` of the service (npm run validate, package, deploy, the packaged-stack tests) rebuilds and then deletes.
 */
export function serviceBuildFolder(stateDir: string, serviceName: string): string {
  return path.join(stateDir, 'builds', serviceName);
}

async function assertBuiltInto(buildFolder: string, definition: ServiceDefinition): Promise<void> {
  try {
    await access(buildFolder);
  } catch {
    throw new Error(
      `service ${definition.name} did not build into ${buildFolder}: its serverless.yml must take custom.esbuild from ` +
        `resources/service-defaults.yml (outputWorkFolder: \${env:${ESBUILD_WORK_FOLDER_VARIABLE}, '.esbuild'}), or ` +
        `sls package in ${definition.directory} would delete the handlers the platform serves.`,
    );
  }
}
