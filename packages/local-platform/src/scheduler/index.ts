export {
  localSchedulerComponent,
  LOCAL_SCHEDULE_RATE_SECONDS,
  SCHEDULE_RATE_VARIABLE,
  scheduleRateFromEnvironment,
} from './scheduler-component';
export { startLocalScheduler, type LocalScheduler } from './local-scheduler';
export { readScheduleDefinitions, ScheduleDefinitionError, type LocalScheduleDefinition } from './schedule-definitions';
