import { isJsonObject } from '../json-object';

/** What Lambda makes of a function's answer to a stream batch when ReportBatchItemFailures is on. */
export type BatchItemFailuresVerdict =
  | { kind: 'success' }
  /** Checkpoint just before the record at `firstFailedIndex` and retry from it. */
  | { kind: 'partial'; firstFailedIndex: number }
  | { kind: 'batch-failure'; reason: string };

/**
 * AWS's rules (services-kinesis-batchfailurereporting): an empty or null response or list is a success; an empty,
 * null or missing itemIdentifier, or one that is not in the batch, fails the whole batch; otherwise Lambda
 * checkpoints before the failed record with the lowest sequence number.
 */
export function judgeBatchItemFailures(
  responsePayload: string,
  batchSequenceNumbers: readonly string[],
): BatchItemFailuresVerdict {
  if (responsePayload.trim() === '') return { kind: 'success' };
  let response: unknown;
  try {
    response = JSON.parse(responsePayload);
  } catch {
    return { kind: 'batch-failure', reason: `the response is not JSON: ${responsePayload.slice(0, 200)}` };
  }
  if (!isJsonObject(response)) return { kind: 'success' };
  const failures = response.batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures))
    return {
      kind: 'batch-failure',
      reason: `batchItemFailures is not a list: ${JSON.stringify(failures).slice(0, 200)}`,
    };

  const indexBySequenceNumber = new Map(batchSequenceNumbers.map((sequenceNumber, index) => [sequenceNumber, index]));
  let firstFailedIndex = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const itemIdentifier = isJsonObject(failure) ? failure.itemIdentifier : undefined;
    const index =
      typeof itemIdentifier === 'string' && itemIdentifier !== ''
        ? indexBySequenceNumber.get(itemIdentifier)
        : undefined;
    if (index === undefined) {
      return {
        kind: 'batch-failure',
        reason: `batchItemFailures names ${JSON.stringify(failure)}, which is not a sequence number of this batch`,
      };
    }
    firstFailedIndex = Math.min(firstFailedIndex, index);
  }
  return failures.length === 0 ? { kind: 'success' } : { kind: 'partial', firstFailedIndex };
}
