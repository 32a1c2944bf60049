import type { PlatformTemplate } from '../cloudformation/read-platform-template';
import { intrinsicContextOf } from '../cloudformation/read-platform-template';
import { resolveIntrinsics } from '../cloudformation/resolve-intrinsics';
import { isJsonObject, type JsonObject } from '../json-object';

/**
 * The template's EventBridge Scheduler schedules (AWS::Scheduler::Schedule) as the local scheduler runs them: a rate
 * expression and a universal target (`arn:aws:scheduler:::aws-sdk:<service>:<action>`) with its Input. What the local
 * scheduler cannot reproduce is refused with the property's path, never silently skipped.
 */
export class ScheduleDefinitionError extends Error {
  override readonly name = 'ScheduleDefinitionError';
}

export interface LocalScheduleDefinition {
  logicalId: string;
  name: string;
  /** From `rate(<n> minute|minutes|hour|hours|day|days)`. */
  rateSeconds: number;
  /** The service of the universal target, as Scheduler spells it (e.g. `redshiftdata`). */
  service: string;
  /** The API action, PascalCase as the service's JSON protocol names it (e.g. `ExecuteStatement`). */
  action: string;
  /** The declared Input: the action's request. */
  input: JsonObject;
  /** RetryPolicy.MaximumRetryAttempts (AWS's default 185) and MaximumEventAgeInSeconds (default 86,400). */
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

// Universal targets: "arn:aws:scheduler:::aws-sdk:service:apiAction" (EventBridge Scheduler, "Using universal targets").
const UNIVERSAL_TARGET = /^arn:aws[a-z-]*:scheduler:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$/;
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, hour: 3_600, day: 86_400 };
// What the local scheduler reads; RoleArn and Description only matter on AWS (no access control locally).
const SCHEDULE_PROPERTIES = new Set([
  'Name',
  'Description',
  'ScheduleExpression',
  'FlexibleTimeWindow',
  'State',
  'Target',
]);
const TARGET_PROPERTIES = new Set(['Arn', 'RoleArn', 'Input', 'RetryPolicy']);
// RetryPolicy's defaults (EventBridge Scheduler API reference, RetryPolicy).
const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_EVENT_AGE_SECONDS = 86_400;

/** Every enabled schedule of the template. */
export function readScheduleDefinitions(template: PlatformTemplate, accountId: string): LocalScheduleDefinition[] {
  const context = intrinsicContextOf(template, accountId);
  return Object.entries(template.resources)
    .filter(([, resource]) => resource.Type === 'AWS::Scheduler::Schedule')
    .map(([logicalId, resource]) => {
      const properties = resolveIntrinsics(resource.Properties ?? {}, context);
      if (!isJsonObject(properties)) throw new ScheduleDefinitionError(`${logicalId}: Properties must be an object.`);
      return scheduleOf(logicalId, properties);
    })
    .filter((schedule): schedule is LocalScheduleDefinition => schedule !== undefined);
}

function scheduleOf(logicalId: string, properties: JsonObject): LocalScheduleDefinition | undefined {
  refuseUnknown(logicalId, properties, SCHEDULE_PROPERTIES);
  if (properties.State === 'DISABLED') return undefined;
  const flexible = isJsonObject(properties.FlexibleTimeWindow) ? properties.FlexibleTimeWindow.Mode : undefined;
  if (flexible !== 'OFF')
    throw new ScheduleDefinitionError(
      `${logicalId}.FlexibleTimeWindow.Mode is ${String(flexible)}: the local scheduler runs OFF (on the rate) only.`,
    );
  const expression = String(properties.ScheduleExpression);
  const rate = RATE.exec(expression);
  if (rate === null)
    throw new ScheduleDefinitionError(
      `${logicalId}.ScheduleExpression ${expression}: the local scheduler runs rate(<n> minutes|hours|days) only, not cron() or at().`,
    );
  const target = properties.Target;
  if (!isJsonObject(target)) throw new ScheduleDefinitionError(`${logicalId}.Target is missing.`);
  refuseUnknown(`${logicalId}.Target`, target, TARGET_PROPERTIES);
  const universal = UNIVERSAL_TARGET.exec(String(target.Arn));
  if (universal === null)
    throw new ScheduleDefinitionError(
      `${logicalId}.Target.Arn ${String(target.Arn)}: the local scheduler calls universal targets (arn:aws:scheduler:::aws-sdk:<service>:<action>) only.`,
    );
  let input: unknown;
  try {
    input = JSON.parse(String(target.Input ?? '{}'));
  } catch (error) {
    throw new ScheduleDefinitionError(`${logicalId}.Target.Input is not JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(input)) throw new ScheduleDefinitionError(`${logicalId}.Target.Input must be a JSON object.`);
  const retry = isJsonObject(target.RetryPolicy) ? target.RetryPolicy : {};
  const [, service, action] = universal as unknown as [string, string, string];
  return {
    logicalId,
    name: String(properties.Name ?? logicalId),
    rateSeconds: Number(rate[1]) * UNIT_SECONDS[rate[2]!.replace(/s$/, '')]!,
    service,
    action: action.charAt(0).toUpperCase() + action.slice(1),
    input,
    maximumRetryAttempts: Number(retry.MaximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS),
    maximumEventAgeSeconds: Number(retry.MaximumEventAgeInSeconds ?? DEFAULT_EVENT_AGE_SECONDS),
  };
}

function refuseUnknown(where: string, object: JsonObject, known: ReadonlySet<string>): void {
  for (const key of Object.keys(object))
    if (!known.has(key))
      throw new ScheduleDefinitionError(
        `${where}.${key} is not emulated by the local scheduler (it reads ${[...known].join(', ')}).`,
      );
}
