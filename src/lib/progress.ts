import { CustomProgressEvent } from 'progress-events';
import type { ProgressEvent, ProgressOptions } from 'progress-events';

export { CustomProgressEvent };
export type { ProgressEvent, ProgressOptions };

/** The last argument of every async library function: cancellation and progress. */
export interface CallOptions<Event extends ProgressEvent = ProgressEvent> extends ProgressOptions<Event> {
  signal?: AbortSignal;
}
