import type { PlatformTemplate } from './cloudformation/read-platform-template';
import type { PlatformLog } from './platform-log';
import type { ServiceEndpoints, StackEndpoints, StackFile, StackResources, StackRoute } from './stack-file';

/**
 * One piece of the local platform (an emulator, the resources, the services, the gateway...). Components start in
 * phases (see platform-components.ts): each one sees what the earlier phases contributed to the stack file.
 */
export interface PlatformComponent {
  readonly name: string;
  /** CloudFormation types this component creates locally: the template's other types are reported as not emulated. */
  readonly resourceTypes?: readonly string[];
  start(context: ComponentContext): Promise<RunningComponent>;
}

export interface RunningComponent {
  readonly contribution: StackContribution;
  /** Stops everything the component started; must not delete state. */
  stop(): Promise<void>;
}

export interface ComponentContext {
  readonly platform: PlatformFacts;
  /** What the components of earlier phases contributed. */
  readonly stack: StackDraft;
  readonly log: PlatformLog;
  /** Aborts when start-up is interrupted (Ctrl-C): stop waiting, the platform stops what already runs. */
  readonly signal: AbortSignal;
  /** Stops the whole platform, saying why and what to do: a component calls it when it cannot go on. */
  readonly giveUp: (reason: string) => void;
}

/** Known before any component starts. */
export interface PlatformFacts {
  stage: string;
  region: string;
  accountId: string;
  stateDir: string;
  template: PlatformTemplate;
}

/** A component's part of stack.json. */
export interface StackContribution {
  endpoints?: Partial<Omit<StackEndpoints, 'services'>>;
  serviceEndpoints?: Record<string, ServiceEndpoints>;
  resources?: Partial<StackResources>;
  routes?: Omit<StackRoute, 'url'>[];
  /** Variables every local process needs, e.g. AWS_ENDPOINT_URL_KINESIS (children get them too). */
  environment?: Record<string, string>;
  processes?: Record<string, number>;
  apiUrl?: string;
  /** The local warehouse's postgres:// URL (warehouse/warehouse-component.ts). */
  warehouseUrl?: string;
  /** The same warehouse as its read-only BI login. */
  warehouseBiUrl?: string;
}

type OptionalStackFields = 'apiUrl' | 'warehouseUrl' | 'warehouseBiUrl';
export type StackDraft = Required<Omit<StackContribution, OptionalStackFields | 'resources'>> &
  Pick<StackContribution, OptionalStackFields> & { resources: StackResources };

export function emptyStackDraft(environment: Record<string, string>): StackDraft {
  return {
    endpoints: {},
    serviceEndpoints: {},
    resources: { streams: {}, tables: {}, buckets: {} },
    routes: [],
    environment,
    processes: {},
  };
}

export function addContribution(draft: StackDraft, contribution: StackContribution): StackDraft {
  const { streams, tables, buckets, deliveryStreams } = contribution.resources ?? {};
  return {
    endpoints: { ...draft.endpoints, ...contribution.endpoints },
    serviceEndpoints: { ...draft.serviceEndpoints, ...contribution.serviceEndpoints },
    resources: {
      streams: { ...draft.resources.streams, ...streams },
      tables: { ...draft.resources.tables, ...tables },
      buckets: { ...draft.resources.buckets, ...buckets },
      deliveryStreams: { ...draft.resources.deliveryStreams, ...deliveryStreams },
    },
    routes: [...draft.routes, ...(contribution.routes ?? [])],
    environment: { ...draft.environment, ...contribution.environment },
    processes: { ...draft.processes, ...contribution.processes },
    apiUrl: contribution.apiUrl ?? draft.apiUrl,
    warehouseUrl: contribution.warehouseUrl ?? draft.warehouseUrl,
    warehouseBiUrl: contribution.warehouseBiUrl ?? draft.warehouseBiUrl,
  };
}

/** The stack file once every component has started; fails if a component forgot its part. */
/** Where a service serves the dashboard page (services/visualization-api). */
const DASHBOARD_PATH = '/dashboard';

export function completeStackFile(
  draft: StackDraft,
  facts: PlatformFacts & { apiKey: string; credentials: StackFile['credentials']; startedAt: Date },
): StackFile {
  const { kinesis, dynamodb, s3 } = draft.endpoints;
  const { apiUrl } = draft;
  if (kinesis === undefined || dynamodb === undefined || s3 === undefined || apiUrl === undefined) {
    throw new Error(
      `No platform component contributed ${JSON.stringify({ kinesis, dynamodb, s3, apiUrl })}: check platform-components.ts.`,
    );
  }
  return {
    stage: facts.stage,
    region: facts.region,
    accountId: facts.accountId,
    apiUrl,
    ...(draft.warehouseUrl !== undefined && { warehouseUrl: draft.warehouseUrl }),
    ...(draft.warehouseBiUrl !== undefined && { warehouseBiUrl: draft.warehouseBiUrl }),
    // The page a service serves at GET /dashboard; the key rides in the fragment, which no server or log sees.
    ...(draft.routes.some((route) => route.method === 'GET' && route.path === DASHBOARD_PATH) && {
      dashboardUrl: `${apiUrl}${DASHBOARD_PATH}#apiKey=${encodeURIComponent(facts.apiKey)}`,
    }),
    apiKey: facts.apiKey,
    credentials: facts.credentials,
    endpoints: { ...draft.endpoints, kinesis, dynamodb, s3, services: draft.serviceEndpoints },
    resources: draft.resources,
    routes: draft.routes.map((route) => ({ ...route, url: `${apiUrl}${route.path}` })),
    environment: draft.environment,
    processes: draft.processes,
    stateDir: facts.stateDir,
    pid: process.pid,
    startedAt: facts.startedAt.toISOString(),
  };
}
