/**
 * Whether to poll before the backed-off delay is up: our node served data since the last
 * poll and has served nothing for `quietMs` since. A service fetching from us that goes
 * quiet has most likely finished, so the pin is about to be `pinned`; asking now saves up
 * to a whole backoff step (30 s) at the cost of one request. Never under the budget.
 */
export interface QuietWakeInput {
  /** ms since the last request to this service. */
  sinceLastRequestMs: number;
  minIntervalMs: number;
  /** Bytes our node had served when we last polled, and now. */
  bytesAtLastPoll: number;
  bytesNow: number;
  /** ms since bytesNow last grew. */
  quietForMs: number;
  quietMs: number;
}

export function shouldWakeEarly(input: QuietWakeInput): boolean {
  if (input.sinceLastRequestMs < input.minIntervalMs) return false;
  if (input.bytesNow <= input.bytesAtLastPoll) return false;
  return input.quietForMs >= input.quietMs;
}
