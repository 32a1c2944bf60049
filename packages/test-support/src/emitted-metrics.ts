/** One EMF log line as Powertools metrics writes it: the CloudWatch directive and each metric's value at top level. */
export interface EmittedMetrics {
  namespace: string;
  dimensions: Record<string, string>;
  /** Each metric's value by name (a list when one invocation added a name more than once). */
  values: Record<string, number | number[]>;
}

interface EmfLine {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/**
 * The environment under which Powertools metrics writes its EMF lines to the global console, where a test reads them
 * (in dev mode it would otherwise write nothing). Set it before the function's code creates its metrics.
 */
export const EMF_TO_CONSOLE_ENVIRONMENT = { POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' } as const;

/** The EMF lines among what a test captured from console.log, decoded; other lines are ignored. */
export function emittedMetrics(loggedLines: readonly unknown[]): EmittedMetrics[] {
  return loggedLines.flatMap((line) => {
    if (typeof line !== 'string' || !line.includes('"_aws"')) return [];
    const emf = JSON.parse(line) as EmfLine;
    return emf._aws.CloudWatchMetrics.map((directive) => ({
      namespace: directive.Namespace,
      dimensions: Object.fromEntries(directive.Dimensions.flat().map((name) => [name, String(emf[name])])),
      values: Object.fromEntries(directive.Metrics.map(({ Name }) => [Name, emf[Name] as number | number[]])),
    }));
  });
}

/**
 * For the current test: captures console.log (where EMF lines go under EMF_TO_CONSOLE_ENVIRONMENT) and silences the
 * logger's info, warn and error; call it in beforeEach and restore the mocks after. Returns the EMF lines so far.
 */
export function captureEmittedMetrics(): () => EmittedMetrics[] {
  const logged: unknown[] = [];
  jest.spyOn(console, 'log').mockImplementation((line?: unknown) => void logged.push(line));
  for (const level of ['info', 'warn', 'error'] as const)
    jest.spyOn(console, level).mockImplementation(() => undefined);
  return () => emittedMetrics(logged);
}
