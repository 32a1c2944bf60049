import type { InvoiceLineEvent } from '@retail/domain';

/** An event the sink did not take; `index` is its position in the events given to `deliver`. */
export interface RawEventNotDelivered {
  index: number;
  lineId: string;
  /** The sink's reason, e.g. ServiceUnavailableException. */
  errorCode: string;
  /** The sink refused the event itself as invalid (e.g. over Firehose's record size): delivering it again cannot succeed. */
  refused?: true;
}

export interface RawEventsDelivered {
  delivered: number;
  notDelivered: RawEventNotDelivered[];
}

/**
 * The raw archive: every canonical invoice line, as is, for the data lake. Delivery is at least once (a retried
 * event may be archived twice; readers count distinct lineIds). An event that could not be delivered after the
 * sink's own retries is reported rather than thrown, so the caller can hand exactly those back for a retry, or set
 * aside those the sink refuses as invalid.
 */
export interface RawEventSink {
  deliver(events: readonly InvoiceLineEvent[]): Promise<RawEventsDelivered>;
}
