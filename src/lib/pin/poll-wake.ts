/**
 * When the wait asks the service again, given what our node sees of the transfer. Pure:
 * the wait loop feeds it the clock and the node's counters; it says "poll now, because..."
 * or "look again in n ms".
 *
 * The service fetches the DAG from our node, so the node's counters tell the wait what
 * the service is doing:
 * - while blocks go out, the pin cannot be done yet: a poll that falls due then waits for
 *   the transfer to stop (at most until `holdUntilMs`), so no request is spent on an answer
 *   known in advance, and the budget is whole when the answer changes;
 * - when a peer has been sent every block the node holds, the service holds the whole DAG
 *   and is about to say `pinned`: ask a moment later (`complete`), and once more shortly
 *   after if that was too soon (`follow-up`, scheduled by the caller);
 * - when the transfer stopped without that (the service had some blocks, or fetches from
 *   others too), ask after `quietMs` of silence (`quiet`).
 * The client's request budget still paces every request these wakes send.
 */
export type WakeReason = 'planned' | 'quiet' | 'complete' | 'follow-up';

export type Wake = { reason: WakeReason } | { sleepMs: number };

export interface WakeInput {
  nowMs: number;
  /** When the backed-off poll is due. */
  plannedAtMs: number;
  /** A poll that falls due while our node is sending waits for it to stop until this at most. */
  holdUntilMs: number;
  /** When we last asked the service (ms since the epoch; 0 before the first time). */
  lastPollMs: number;
  /**
   * The node says exactly when it last sent a block (the embedded one). kubo's counters
   * are read now and then and move in steps: no holding back then, only the quiet rule.
   */
  exact: boolean;
  /** When the node last sent a block (exact), or when its counters last grew. */
  lastSentMs?: number;
  /** The node sent data since the last poll. */
  servedSinceLastPoll: boolean;
  /** How long without a block means the service is done with us. */
  quietMs: number;
  /** When a peer last came to have been sent every block the node holds. */
  completeAtMs?: number;
  /** A second look after a `complete` one found the pin still pending. */
  followUpAtMs?: number;
}

/** How long a service that holds every block gets to write the pin down before we ask. */
export const COMPLETE_GRACE_MS = 30;
/** How often the counters are read while blocks go out (a completion is seen this soon). */
export const SERVING_TICK_MS = 20;
/** ...and otherwise. Reading them is local and free. */
export const IDLE_TICK_MS = 250;

export function planWake(input: WakeInput): Wake {
  const now = input.nowMs;
  const completeDue =
    input.completeAtMs !== undefined && input.completeAtMs > input.lastPollMs
      ? input.completeAtMs + COMPLETE_GRACE_MS
      : undefined;
  if (completeDue !== undefined && now >= completeDue) return { reason: 'complete' };
  if (input.followUpAtMs !== undefined && now >= input.followUpAtMs) return { reason: 'follow-up' };
  const quietAt =
    input.servedSinceLastPoll && input.lastSentMs !== undefined
      ? input.lastSentMs + input.quietMs
      : undefined;
  if (quietAt !== undefined && now >= quietAt) return { reason: 'quiet' };
  // quietAt is in the future: blocks went out since the last poll and still go.
  const sending = input.exact && quietAt !== undefined;
  if (now >= input.plannedAtMs && (!sending || now >= input.holdUntilMs)) return { reason: 'planned' };

  const candidates = [now + (sending ? SERVING_TICK_MS : IDLE_TICK_MS)];
  candidates.push(sending ? input.holdUntilMs : input.plannedAtMs);
  if (completeDue !== undefined) candidates.push(completeDue);
  if (input.followUpAtMs !== undefined) candidates.push(input.followUpAtMs);
  if (quietAt !== undefined) candidates.push(quietAt);
  return { sleepMs: Math.max(1, Math.ceil(Math.min(...candidates) - now)) };
}
