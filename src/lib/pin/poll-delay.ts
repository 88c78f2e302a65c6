/**
 * When to ask a service again about a pin. Pure: the wait loop feeds it the attempt
 * number, what the service said about pacing, and the clock; it returns milliseconds.
 *
 * kubo polls every 500 ms forever; we start near `minMs`, double up to `maxMs` with
 * jitter (so many CI jobs do not poll in lockstep), never go under the per-service
 * request budget, and wait at least as long as a `Retry-After` asked.
 */
export interface PollDelayInput {
  /** 0 for the first poll after a status (or a status change), then 1, 2, ... */
  attempt: number;
  /** First delay (ms). */
  minMs: number;
  /** Largest delay before jitter (ms). */
  maxMs: number;
  /** Request budget: least ms between two requests to this service. */
  minIntervalMs: number;
  /** What the service asked for with Retry-After (ms), if it did. */
  retryAfterMs?: number;
  /** 0 <= random() < 1. */
  random: () => number;
}

export function pollDelay(input: PollDelayInput): number {
  const minMs = Math.max(0, input.minMs);
  const maxMs = Math.max(minMs, input.maxMs);
  const attempt = Math.max(0, Math.floor(input.attempt));
  // 2 ** 40 is far past any maxMs; capping the exponent keeps the number finite.
  const base = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 40));
  // Equal jitter: between 3/4 and 5/4 of the base, so the first poll still comes at about minMs.
  const jittered = base * (0.75 + input.random() * 0.5);
  const floor = Math.max(input.minIntervalMs, input.retryAfterMs ?? 0);
  return Math.round(Math.max(jittered, floor));
}

/**
 * Fits a planned delay into what is left before the deadline: when the next poll would
 * land after it, poll once more just before it (if the budget allows), so a pin that
 * becomes pinned in the last seconds is still seen. Returns `undefined` when there is
 * no room for another request: the caller gives up at the deadline.
 */
export function fitToDeadline(
  delayMs: number,
  remainingMs: number,
  minIntervalMs: number,
): number | undefined {
  if (remainingMs <= 0) return undefined;
  if (delayMs < remainingMs) return delayMs;
  // A last look shortly before the deadline, leaving time for the answer to come back.
  const margin = Math.min(1000, remainingMs / 4);
  const last = remainingMs - margin;
  if (last < minIntervalMs) return undefined;
  return Math.round(last);
}
