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

export interface NextLookInput {
  nowMs: number;
  /** When the planned poll is due. */
  untilMs: number;
  /** The longest sleep between two looks at the counters. */
  tickMs: number;
  /** When the quiet will be long enough, if the node says exactly when it last sent. */
  quietAtMs?: number;
  /** When the request budget allows the next request. */
  budgetAtMs: number;
}

/**
 * How long to sleep before looking at the node's counters again: a tick at most, and no
 * later than the moment an early poll would become possible when the node says exactly
 * when it last sent a block (so the wake comes on time, not up to a tick late).
 */
export function nextLookMs(input: NextLookInput): number {
  let at = Math.min(input.untilMs, input.nowMs + input.tickMs);
  if (input.quietAtMs !== undefined) {
    const possible = Math.max(input.quietAtMs, input.budgetAtMs);
    if (possible > input.nowMs) at = Math.min(at, possible);
  }
  return Math.max(1, Math.ceil(at - input.nowMs));
}
