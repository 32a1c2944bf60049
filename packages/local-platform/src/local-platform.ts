import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  readPlatformTemplate,
  RESOURCE_TYPES_NOT_EMULATED,
  type PlatformTemplate,
} from './cloudformation/read-platform-template';
import { firehoseBufferIntervalFromEnvironment, firehoseRetryTimeScaleFromEnvironment } from './firehose';
import { scheduleRateFromEnvironment } from './scheduler';
import { localAwsEnvironment } from './local-aws-environment';
import {
  addContribution,
  completeStackFile,
  emptyStackDraft,
  type ComponentContext,
  type PlatformComponent,
  type PlatformFacts,
  type RunningComponent,
} from './platform-component';
import { platformComponentPhases } from './platform-components';
import { readLocalApiKey } from './platform-exports';
import { createPlatformLog, PLATFORM_LOG_FILE_NAME, type PlatformLog } from './platform-log';
import {
  configuredStateDir,
  FREE_PORTS,
  LOCAL_ACCOUNT_ID,
  LOCAL_CREDENTIALS,
  LOCAL_STAGE,
  REPO_ROOT,
  type PlatformPorts,
} from './platform-settings';
import { listServiceDirs, readServiceDefinition, type ServiceSlot } from './serverless-offline-service';
import { removeStackFile, writeStackFile, type StackFile } from './stack-file';
import { LOCK_FILE_NAME, lockStateDir } from './state-dir-lock';

export interface LocalPlatformOptions {
  /** Emulator state and stack.json (default `<repo>/.local`). */
  stateDir?: string;
  /** Delete the state directory first. */
  fresh?: boolean;
  /** Omitted or 0: a free port. `npm start` passes portsFromEnvironment(). */
  ports?: Partial<PlatformPorts>;
  /** Service folders to run (default: every folder of services/); one without functions is skipped. */
  serviceDirs?: string[];
  /** Print warnings only; 'silent' prints nothing (the log file under the state directory still gets every line). */
  quiet?: boolean | 'silent';
  /** Aborting during start-up stops what already runs and rejects. */
  signal?: AbortSignal;
  /** Shortens the delivery streams' declared buffering interval (default: RETAIL_FIREHOSE_BUFFER_INTERVAL_SECONDS). */
  firehoseBufferIntervalSeconds?: number;
  /** Runs the schedules (the warehouse's merge) at this rate (default: RETAIL_SCHEDULE_RATE_SECONDS, or 10 s). */
  scheduleRateSeconds?: number;
  /** Multiplies the Redshift delivery streams' retry durations (default: RETAIL_FIREHOSE_RETRY_TIME_SCALE). */
  firehoseRetryTimeScale?: number;
}

export interface LocalPlatform {
  stack: StackFile;
  stackFile: string;
  /** Stops every component, last phase first, and removes stack.json; keeps the state. Safe to call twice. */
  stop(): Promise<void>;
  /** Resolves, saying why and what to do, once a component gave up (a process that keeps dying) and all stopped. */
  failure: Promise<string>;
}

export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const startedAt = new Date();
  const stateDir = path.resolve(options.stateDir ?? configuredStateDir());
  const log = createPlatformLog(options.quiet ?? false);
  // A component that gives up (supervised-process.ts) interrupts start-up, or stops the running platform.
  const failed = new AbortController();
  const giveUp = (reason: string) => {
    if (failed.signal.aborted) return;
    log.alert(reason);
    failed.abort(new Error(reason));
  };
  const signal = AbortSignal.any([options.signal ?? new AbortController().signal, failed.signal]);
  if (options.fresh) await assertSafeToDelete(stateDir);
  const lock = await lockStateDir(stateDir, {
    onWaitForStopping: (pid) =>
      log.info(`Waiting for the local platform (pid ${pid}) that is stopping on ${stateDir}...`),
  });
  // Aborted during start-up: what already runs is being stopped, and a new start may wait for it.
  signal.addEventListener('abort', () => void lock.markStopping().catch(() => undefined), { once: true });
  try {
    if (options.fresh) await deleteStateExcept(stateDir, LOCK_FILE_NAME);
    log.attachFile(path.join(stateDir, PLATFORM_LOG_FILE_NAME));
    const started = await startComponents({ ...options, stateDir, startedAt, log, signal, giveUp });
    let stopping: Promise<void> | undefined;
    const stop = async () => {
      await lock.markStopping();
      await removeStackFile(stateDir);
      await started.stop();
      log.close();
      await lock.release();
    };
    const failure = new Promise<string>((resolve) => {
      const stopForGood = () =>
        void (stopping ??= stop()).finally(() => resolve((failed.signal.reason as Error).message));
      if (failed.signal.aborted) stopForGood();
      else failed.signal.addEventListener('abort', stopForGood, { once: true });
    });
    return { stack: started.stack, stackFile: started.stackFile, stop: () => (stopping ??= stop()), failure };
  } catch (error) {
    log.close();
    await lock.release();
    throw error;
  }
}

async function startComponents(
  options: LocalPlatformOptions & {
    stateDir: string;
    startedAt: Date;
    log: PlatformLog;
    signal: AbortSignal;
    giveUp: (reason: string) => void;
  },
): Promise<{ stack: StackFile; stackFile: string; stop(): Promise<void> }> {
  const { stateDir, startedAt, log, signal, giveUp } = options;
  // `sls print` takes seconds per service: read them while the platform template is read and the emulators start.
  const serviceDirs = options.serviceDirs ?? (await listServiceDirs());
  const serviceSlots: Promise<ServiceSlot[]> = Promise.all(
    serviceDirs.map(async (directory) => ({
      directory,
      definition: await readServiceDefinition(directory, LOCAL_STAGE, signal),
    })),
  );
  serviceSlots.catch(() => undefined); // Reported by the services component, which awaits it.

  log.info(`Starting the local platform (state in ${stateDir})...`);
  const [template, apiKey] = await Promise.all([
    readPlatformTemplate(LOCAL_STAGE, REPO_ROOT, signal),
    readLocalApiKey(),
  ]);
  log.info(`  platform template read (${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s)`);
  const platform: PlatformFacts = {
    stage: LOCAL_STAGE,
    region: template.region,
    accountId: LOCAL_ACCOUNT_ID,
    stateDir,
    template,
  };
  const phases = platformComponentPhases(
    { ...FREE_PORTS, ...options.ports },
    serviceSlots,
    {
      bufferIntervalSeconds: options.firehoseBufferIntervalSeconds ?? firehoseBufferIntervalFromEnvironment(),
      retryTimeScale: options.firehoseRetryTimeScale ?? firehoseRetryTimeScaleFromEnvironment(),
    },
    options.scheduleRateSeconds ?? scheduleRateFromEnvironment(),
  );
  warnAboutTypesNotEmulated(template, phases.flat(), log);

  const running: RunningComponent[][] = [];
  try {
    let draft = emptyStackDraft(localAwsEnvironment(platform.region));
    for (const phase of phases) {
      signal.throwIfAborted();
      const context: ComponentContext = { platform, stack: draft, log, signal, giveUp };
      const started = await Promise.allSettled(phase.map((component) => startComponent(component, context)));
      const phaseRunning = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      running.push(phaseRunning);
      const failure = started.find((result) => result.status === 'rejected');
      if (failure !== undefined) throw failure.reason;
      for (const component of phaseRunning) draft = addContribution(draft, component.contribution);
    }
    signal.throwIfAborted();
    const credentials = {
      accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
      secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
    };
    const stack = completeStackFile(draft, { ...platform, apiKey, credentials, startedAt });
    const stackFile = await writeStackFile(stack);
    return { stack, stackFile, stop: () => stopComponents(running, log) };
  } catch (error) {
    await stopComponents(running, log);
    throw error;
  }
}

async function startComponent(component: PlatformComponent, context: ComponentContext): Promise<RunningComponent> {
  const began = Date.now();
  try {
    const running = await component.start(context);
    context.log.info(`  ${component.name} ready (${((Date.now() - began) / 1000).toFixed(1)} s)`);
    return running;
  } catch (error) {
    throw new Error(`${component.name} did not start: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

async function stopComponents(phases: RunningComponent[][], log: PlatformLog): Promise<void> {
  for (const phase of [...phases].reverse()) {
    const stopped = await Promise.allSettled(phase.map((component) => component.stop()));
    for (const result of stopped)
      if (result.status === 'rejected') log.warn(`a component did not stop cleanly: ${String(result.reason)}`);
  }
}

async function assertSafeToDelete(stateDir: string): Promise<void> {
  // --fresh deletes a whole folder: never one that holds the repository or looks like a project.
  const holdsProject = await Promise.all(
    ['package.json', '.git'].map((name) =>
      stat(path.join(stateDir, name)).then(
        () => true,
        () => false,
      ),
    ),
  );
  const holdsRepository = !path.relative(stateDir, REPO_ROOT).startsWith('..');
  if (holdsRepository || holdsProject.includes(true)) {
    throw new Error(
      `Refusing to delete ${stateDir} for --fresh: it holds the repository or a project. Choose a dedicated state directory.`,
    );
  }
}

async function deleteStateExcept(stateDir: string, keep: string): Promise<void> {
  const entries = await readdir(stateDir);
  await Promise.all(
    entries
      .filter((entry) => entry !== keep)
      .map((entry) => rm(path.join(stateDir, entry), { recursive: true, force: true })),
  );
}

function warnAboutTypesNotEmulated(
  template: PlatformTemplate,
  components: PlatformComponent[],
  log: PlatformLog,
): void {
  const created = new Set(components.flatMap((component) => component.resourceTypes ?? []));
  for (const [logicalId, { Type }] of Object.entries(template.resources)) {
    if (!created.has(Type) && !(Type in RESOURCE_TYPES_NOT_EMULATED)) {
      log.warn(`${logicalId} (${Type}) is not emulated locally: no local platform component creates it.`);
    }
  }
}
