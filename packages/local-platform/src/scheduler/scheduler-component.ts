import type { PlatformComponent } from '../platform-component';
import { startLocalScheduler } from './local-scheduler';
import { readScheduleDefinitions } from './schedule-definitions';

/**
 * Runs every schedule locally at this rate instead of its declared one (the merge's 15 minutes would keep a loaded
 * file out of the dashboard for that long); unset: LOCAL_SCHEDULE_RATE_SECONDS.
 */
export const SCHEDULE_RATE_VARIABLE = 'RETAIL_SCHEDULE_RATE_SECONDS';
/** The local rate by default: a loaded file shows in the dashboard within seconds of its last COPY. */
export const LOCAL_SCHEDULE_RATE_SECONDS = 10;

export function scheduleRateFromEnvironment(environment = process.env): number {
  const seconds = environment[SCHEDULE_RATE_VARIABLE];
  if (seconds === undefined || seconds === '') return LOCAL_SCHEDULE_RATE_SECONDS;
  const rate = Number(seconds);
  if (!(rate > 0)) throw new Error(`${SCHEDULE_RATE_VARIABLE}=${seconds}: give a number of seconds above 0.`);
  return rate;
}

/** EventBridge Scheduler, from the template's AWS::Scheduler::Schedule resources; needs their targets' endpoints. */
export function localSchedulerComponent(rateSeconds: number = LOCAL_SCHEDULE_RATE_SECONDS): PlatformComponent {
  return {
    name: 'scheduler',
    resourceTypes: ['AWS::Scheduler::Schedule'],
    async start({ platform, stack, log }) {
      const schedules = readScheduleDefinitions(platform.template, platform.accountId);
      const scheduler = startLocalScheduler(schedules, stack.endpoints, {
        rateSeconds,
        log: (line) => log.warn(line),
      });
      for (const schedule of schedules)
        log.info(
          `  schedule ${schedule.name}: ${schedule.service}:${schedule.action} every ${rateSeconds} s (declared: every ${schedule.rateSeconds} s; ${SCHEDULE_RATE_VARIABLE})`,
        );
      return { contribution: {}, stop: () => scheduler.stop() };
    },
  };
}
