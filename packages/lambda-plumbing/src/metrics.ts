import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

let metrics: Metrics | undefined;

/**
 * The function's one Powertools metrics, created on first use like its logger: the namespace comes from
 * POWERTOOLS_METRICS_NAMESPACE (resources/names.yml metricsNamespace, set in serverless.yml), the service dimension from
 * POWERTOOLS_SERVICE_NAME. CloudWatch reads them from the log line (EMF), so the function needs no IAM for them.
 */
export function serviceMetrics(): Metrics {
  metrics ??= new Metrics();
  return metrics;
}

/** Adds each count to this invocation's metrics; the handler wrappers publish them when the invocation ends. */
export function countMetrics(counts: Readonly<Record<string, number>>): void {
  const current = serviceMetrics();
  for (const [name, count] of Object.entries(counts)) current.addMetric(name, MetricUnit.Count, count);
}

/** Publishes what the invocation counted as one EMF log line; nothing (and no Powertools warning) if it counted nothing. */
export function publishCountedMetrics(): void {
  if (metrics?.hasStoredMetrics()) metrics.publishStoredMetrics();
}
