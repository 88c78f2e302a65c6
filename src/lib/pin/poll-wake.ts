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
  /**
   * When a peer last sent the node a bitswap message (exact nodes). A fetcher cancels each
   * want as its block lands, so these go on until our last block has arrived: the transfer
   * is over when both the blocks going out and the messages coming in have stopped.
   */
  lastHeardMs?: number;
  /** A second look after a `complete` one found the pin still pending. */
  followUpAtMs?: number;
}

/** How long a service that holds every block gets to write the pin down before we ask. */
export const COMPLETE_GRACE_MS = 30;
/**
 * The longest a `complete` look waits for the peer's messages to stop after our last block
 * went out (the blocks still on a slow link; 2 s of them behind a 100 Mbit/s cap in the WAN
 * lab). A peer that keeps talking for other reasons delays it no longer than this.
 */
export const MAX_TAIL_MS = 5_000;
/** How often the counters are read while blocks go out (a completion is seen this soon). */
export const SERVING_TICK_MS = 20;
/** ...and otherwise. Reading them is local and free. */
export const IDLE_TICK_MS = 250;

export function planWake(input: WakeInput): Wake {
  const now = input.nowMs;
  const heard = input.exact ? input.lastHeardMs : undefined;
  const completeAt = input.completeAtMs;
  // When the blocks stopped landing: the last message heard after the last block went out
  // (at most MAX_TAIL_MS after it). A poll from before then (a planned one, held as long as
  // it may be) has not seen the end of the transfer, so the complete look still comes.
  const settledAt =
    completeAt === undefined
      ? undefined
      : Math.max(completeAt, Math.min(heard ?? 0, completeAt + MAX_TAIL_MS));
  const completeDue =
    settledAt !== undefined && settledAt > input.lastPollMs ? settledAt + COMPLETE_GRACE_MS : undefined;
  if (completeDue !== undefined && now >= completeDue) return { reason: 'complete' };
  if (input.followUpAtMs !== undefined && now >= input.followUpAtMs) return { reason: 'follow-up' };
  // The transfer is still going while blocks go out or the fetcher's messages come in.
  const lastActive = input.lastSentMs === undefined ? undefined : Math.max(input.lastSentMs, heard ?? 0);
  const quietAt =
    input.servedSinceLastPoll && lastActive !== undefined ? lastActive + input.quietMs : undefined;
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
