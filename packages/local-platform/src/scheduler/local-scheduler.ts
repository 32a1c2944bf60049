import { setTimeout as sleep } from 'node:timers/promises';
import type { StackEndpoints } from '../stack-file';
import { ScheduleDefinitionError, type LocalScheduleDefinition } from './schedule-definitions';

/** The JSON-protocol services a local schedule can call: Scheduler's service name, the local endpoint, the target prefix. */
const LOCAL_SERVICES: Readonly<Record<string, { endpoint: keyof StackEndpoints; targetPrefix: string }>> = {
  redshiftdata: { endpoint: 'redshiftData', targetPrefix: 'RedshiftData.' },
  glue: { endpoint: 'glue', targetPrefix: 'AWSGlue.' },
  firehose: { endpoint: 'firehose', targetPrefix: 'Firehose_20150804.' },
};
const FIRST_RETRY_MS = 1_000;
const LONGEST_RETRY_MS = 60_000;

export interface LocalSchedulerOptions {
  /** Runs every schedule at this rate instead of its declared one (RETAIL_SCHEDULE_RATE_SECONDS). */
  rateSeconds?: number;
  log: (line: string) => void;
}

export interface LocalScheduler {
  /** Calls every schedule's target once now, as its rate would (tests, `npm run batch`'s merge after a job). */
  invokeAll(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs each schedule at its rate (flexible time window OFF): every `rateSeconds` it calls the target's action on the
 * local endpoint with the declared Input, as EventBridge Scheduler's universal target calls the AWS API. A call that
 * fails is retried with backoff within RetryPolicy (attempts and event age), then dropped with a line, as Scheduler
 * drops an event with no dead-letter queue. The first call is one rate after start.
 */
export function startLocalScheduler(
  schedules: readonly LocalScheduleDefinition[],
  endpoints: Partial<StackEndpoints>,
  options: LocalSchedulerOptions,
): LocalScheduler {
  const calls = schedules.map((schedule) => scheduleCall(schedule, endpoints));
  const stopping = new AbortController();
  const running = new Set<Promise<void>>();
  const invoke = (call: ScheduleCall) => {
    const run = call(stopping.signal, options.log).finally(() => running.delete(run));
    running.add(run);
    return run;
  };
  const timers = schedules.map((schedule, index) =>
    setInterval(() => void invoke(calls[index]!), (options.rateSeconds ?? schedule.rateSeconds) * 1000),
  );
  return {
    invokeAll: async () => {
      await Promise.all(calls.map(invoke));
    },
    stop: async () => {
      timers.forEach(clearInterval);
      stopping.abort();
      await Promise.allSettled([...running]);
    },
  };
}

type ScheduleCall = (signal: AbortSignal, log: (line: string) => void) => Promise<void>;

function scheduleCall(schedule: LocalScheduleDefinition, endpoints: Partial<StackEndpoints>): ScheduleCall {
  const service = LOCAL_SERVICES[schedule.service];
  const endpoint = service === undefined ? undefined : endpoints[service.endpoint];
  if (service === undefined || typeof endpoint !== 'string')
    throw new ScheduleDefinitionError(
      `Schedule ${schedule.logicalId} calls ${schedule.service}:${schedule.action}; the local scheduler calls ${Object.keys(LOCAL_SERVICES).join(', ')} only, on the platform's own endpoints.`,
    );
  const body = JSON.stringify(schedule.input);
  return async (signal, log) => {
    const firstAttempt = Date.now();
    for (let attempt = 0; ; attempt += 1) {
      let failure: string;
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-amz-json-1.1',
            'X-Amz-Target': `${service.targetPrefix}${schedule.action}`,
          },
          body,
          signal,
        });
        if (response.ok) return;
        failure = `${response.status} ${await response.text()}`;
      } catch (error) {
        if (signal.aborted) return;
        failure = (error as Error).message;
      }
      const retryMs = Math.min(FIRST_RETRY_MS * 2 ** attempt, LONGEST_RETRY_MS);
      const tooOld = Date.now() + retryMs - firstAttempt > schedule.maximumEventAgeSeconds * 1000;
      if (attempt >= schedule.maximumRetryAttempts || tooOld) {
        log(
          `Schedule ${schedule.name}: ${schedule.service}:${schedule.action} failed (${failure}); given up after ${attempt + 1} attempts.`,
        );
        return;
      }
      log(
        `Schedule ${schedule.name}: ${schedule.service}:${schedule.action} failed (${failure}); retrying in ${retryMs / 1000} s.`,
      );
      try {
        await sleep(retryMs, undefined, { signal });
      } catch {
        return;
      }
    }
  };
}
