import { IpfsPinError, errorMessage, isIpfsPinError } from '../errors.js';
import type { PinningClient, PinStatus } from '../psa/types.js';
import { CustomProgressEvent } from '../progress.js';
import { sleep } from '../util/sleep.js';
import type { IpfsNode } from '../node/types.js';
import { createDelegateDialer } from './delegates.js';
import { endpointResolvesPrivate, DEFAULT_MIN_INTERVAL_MS } from './services.js';
import type { WaitOptions, PinFlowProgressEvent } from './types.js';
import { emit } from './types.js';
import type { DelegateDialer } from './delegates.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_POLL_MIN_MS = 1000;
export const DEFAULT_POLL_MAX_MS = 30_000;

/**
 * Waits until the service reports the pin `pinned` and returns that status. Resumes a pin
 * submitted earlier (`pinDirectory({ wait: false })`, or a pin made by another tool).
 * With `node`, dials the delegates of every status and keeps those connections, so the
 * service can fetch from that node. Throws PIN_FAILED, PIN_TIMEOUT (the pin stays unless
 * `deleteOnTimeout`), ABORTED, or the client's error when the service refuses us.
 */
export async function waitForPinned(
  client: PinningClient,
  requestid: string,
  options: WaitOptions = {},
): Promise<PinStatus> {
  if (typeof requestid !== 'string' || requestid === '') {
    throw new IpfsPinError('INVALID_INPUT', 'waitForPinned needs the requestid of the pin');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new IpfsPinError('INVALID_INPUT', 'timeoutMs must be a number of milliseconds above 0');
  }
  const service = options.service ?? client.endpoint;
  const deadline = createDeadline(timeoutMs);
  const dialer = createDelegateDialer(options.node, service, options.onProgress, {
    allowPrivate: options.privateDelegates ?? (await endpointResolvesPrivate(client.endpoint)),
  });
  try {
    return await watchPin(client, requestid, {
      service,
      dialer,
      deadline,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.node === undefined ? {} : { node: options.node }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      pollMinMs: options.pollMinMs ?? DEFAULT_POLL_MIN_MS,
      pollMaxMs: options.pollMaxMs ?? DEFAULT_POLL_MAX_MS,
      minIntervalMs: options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS,
      random: options.random ?? Math.random,
      deleteOnTimeout: options.deleteOnTimeout ?? false,
    });
  } finally {
    deadline.clear();
    await dialer.settle();
  }
}

// The loop behind waitForPinned and the flow (flow.ts): one pin, polled until it settles.

export interface WatchContext {
  service: string;
  dialer: DelegateDialer;
  deadline: Deadline;
  /** The caller's cancellation (and the flow's "stop, the policy is decided"). */
  signal?: AbortSignal;
  /** May be set while the wait runs (the flow's node started late): taken up at the next poll. */
  node?: IpfsNode;
  onProgress?: (event: PinFlowProgressEvent) => void;
  pollMinMs: number;
  pollMaxMs: number;
  minIntervalMs: number;
  random: () => number;
  deleteOnTimeout: boolean;
  /** A status already in hand (from the POST or the lookup): handled before the first GET. */
  initial?: PinStatus;
  /**
   * When an upload handed the service the whole DAG (ms since the epoch). A pin still
   * pending then is being written down, as after our node served every block: looked at
   * at once and shortly after (the `complete` and `follow-up` wakes), not a second later.
   */
  deliveredAt?: number;
  /** Filled as we go, so the caller sees the last status even when we throw. */
  last?: PinStatus;
}

/**
 * Polls one pin until `pinned` (returned), `failed` (PIN_FAILED), the deadline
 * (PIN_TIMEOUT) or cancellation (ABORTED). Busy, broken or unreachable moments of the
 * service are ridden out until the deadline; the requestid of every answer is checked.
 */
export async function watchPin(
  client: PinningClient,
  requestid: string,
  ctx: WatchContext,
): Promise<PinStatus> {
  const signals = [ctx.deadline.signal, ...(ctx.signal === undefined ? [] : [ctx.signal])];
  const signal = AbortSignal.any(signals);
  const psaOptions = { signal, ...(ctx.onProgress === undefined ? {} : { onProgress: ctx.onProgress }) };
  let attempt = 0;
  let retryAfterMs: number | undefined;
  let lastError: IpfsPinError | undefined;
  const unknownSeen = new Set<string>();
  const served: ServedWatch = {
    // No poll yet: the first early look may go as soon as the transfer goes quiet, and the
    // client's budget (a burst that the lookup and the submit may not have used up) decides
    // when it leaves. A small site is then seen pinned ~0.3 s after its last block, not 1 s
    // after the submit at the earliest.
    lastPoll: 0,
    bytesAtLastPoll: ctx.node?.stats().bytesServed ?? 0,
    earlyWakes: 0,
    transfer: watchTransfer(ctx.node),
  };
  let watched = ctx.node;

  // Returns true when the pin is done.
  const handle = (status: PinStatus): boolean => {
    if (status?.requestid !== requestid) {
      throw new IpfsPinError(
        'PSA_BAD_RESPONSE',
        `${ctx.service} answered about pin ${String(status?.requestid)} when asked about ${requestid}: check the endpoint URL`,
        { data: { service: ctx.service, requestid } },
      );
    }
    const previous = ctx.last?.status;
    ctx.last = status;
    const kind = statusKind(status.status);
    // A finished pin needs no data from us: dial only while the service may still fetch.
    if (kind === 'pending' || kind === 'unknown') ctx.dialer.offer(status.delegates);
    const details = statusDetails(status.info);
    if (status.status !== previous) {
      emit(
        ctx.onProgress,
        new CustomProgressEvent('pin:status:changed', {
          service: ctx.service,
          requestid,
          status: status.status,
          ...(details === undefined ? {} : { details }),
        }),
      );
      // Progress on the service: look again soon rather than at the backed-off pace.
      attempt = 0;
      served.earlyWakes = 0;
    }
    switch (kind) {
      case 'pinned':
        return true;
      case 'failed':
        throw new IpfsPinError(
          'PIN_FAILED',
          `${ctx.service} reports pin ${requestid} as failed${details === undefined ? ' (no status details given)' : `: ${details}`}`,
          {
            ...(details === undefined ? {} : { details }),
            data: { service: ctx.service, requestid, status: status.status },
          },
        );
      case 'unknown':
        if (!unknownSeen.has(status.status)) {
          unknownSeen.add(status.status);
          emit(
            ctx.onProgress,
            new CustomProgressEvent('pin:status:unknown', {
              service: ctx.service,
              requestid,
              status: status.status,
            }),
          );
        }
        return false;
      default:
        return false;
    }
  };

  try {
    if (ctx.initial !== undefined && handle(ctx.initial)) return ctx.initial;
    for (;;) {
      if (ctx.node !== watched) {
        // A node that started while we waited: its transfer counts from now on.
        watched = ctx.node;
        served.transfer.stop();
        served.transfer = watchTransfer(watched);
        served.bytesAtLastPoll = watched?.stats().bytesServed ?? 0;
      }
      const planned = pollDelay({
        attempt,
        minMs: ctx.pollMinMs,
        maxMs: ctx.pollMaxMs,
        minIntervalMs: ctx.minIntervalMs,
        random: ctx.random,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
      const remaining = ctx.deadline.remaining();
      const delay = fitToDeadline(planned, remaining, ctx.minIntervalMs);
      // A poll held back while blocks go out waits at most as long again, and never past
      // the last look before the deadline.
      const lastLook = fitToDeadline(Number.MAX_SAFE_INTEGER, remaining, ctx.minIntervalMs) ?? 0;
      const holdMs = delay === undefined ? 0 : Math.max(0, Math.min(delay, lastLook - delay));
      // No room for one more request: wait out the deadline (it throws from the sleep).
      const wake = await waitToPoll(delay ?? remaining + 1, holdMs, ctx, served, signal);
      if (wake === 'quiet') served.earlyWakes += 1;
      served.followUpAt = undefined;
      attempt += 1;
      retryAfterMs = undefined;
      let status: PinStatus;
      served.lastPoll = Date.now();
      served.bytesAtLastPoll = ctx.node?.stats().bytesServed ?? 0;
      try {
        status = await client.get(requestid, psaOptions);
      } catch (err) {
        if (signal.aborted || !isTransient(err)) throw err;
        lastError = err as IpfsPinError;
        retryAfterMs = retryAfterOf(err);
        continue;
      }
      lastError = undefined;
      if (handle(status)) return status;
      // The service had every block and is not done yet: it is writing the pin down.
      if (wake === 'complete') served.followUpAt = Date.now() + FOLLOW_UP_MS;
      // The transfer just ended and the pin is still pending: the answer is about to change,
      // so the backoff starts again from the first delay instead of going on from where a
      // long transfer left it (up to 30 s). On a slow link the last blocks are still on
      // their way when the node has handed them off; the early looks come too soon, and the
      // next planned one came half a minute after the service was done.
      if (wake !== 'planned') attempt = 0;
    }
  } catch (err) {
    if (ctx.signal?.aborted === true) throw await stoppedError(ctx, requestid, err);
    if (ctx.deadline.expired()) throw await timeoutError(client, ctx, requestid, lastError);
    throw err;
  } finally {
    served.transfer.stop();
  }
}

function served(ctx: WatchContext): Record<string, unknown> {
  if (ctx.node === undefined) return {};
  const stats = ctx.node.stats();
  return { served: { blocks: stats.blocksServed, bytes: stats.bytesServed } };
}

async function stoppedError(ctx: WatchContext, requestid: string, cause: unknown): Promise<IpfsPinError> {
  const reason: unknown = ctx.signal?.reason;
  const base = reason instanceof IpfsPinError ? reason : undefined;
  return new IpfsPinError(
    base?.code ?? 'ABORTED',
    `${base?.message ?? 'waiting for the pin was aborted'} (${ctx.service}, pin ${requestid}, last status ${ctx.last?.status ?? 'unknown'})`,
    {
      data: { service: ctx.service, requestid, status: ctx.last?.status, ...served(ctx) },
      cause: reason ?? cause,
    },
  );
}

async function timeoutError(
  client: PinningClient,
  ctx: WatchContext,
  requestid: string,
  lastError: IpfsPinError | undefined,
): Promise<IpfsPinError> {
  let deleted: boolean | undefined;
  if (ctx.deleteOnTimeout) {
    try {
      // The deadline has passed: the removal gets a short deadline of its own.
      await client.remove(requestid, { signal: AbortSignal.timeout(15_000) });
      deleted = true;
    } catch {
      deleted = false;
    }
  }
  const status = ctx.last?.status ?? 'unknown';
  const what =
    deleted === true
      ? 'it was deleted (deleteOnTimeout)'
      : deleted === false
        ? 'deleting it failed, it is still there'
        : 'it is left on the service: check it later with its requestid';
  const seen = lastError === undefined ? '' : `; last error: ${lastError.message}`;
  return new IpfsPinError(
    'PIN_TIMEOUT',
    `${ctx.service}: pin ${requestid} was still ${status} at the deadline; ${what}${seen}`,
    {
      data: {
        service: ctx.service,
        requestid,
        status,
        ...(deleted === undefined ? {} : { deleted }),
        ...served(ctx),
      },
      ...(lastError === undefined ? {} : { cause: lastError }),
    },
  );
}

interface ServedWatch {
  lastPoll: number;
  bytesAtLastPoll: number;
  /** Early polls since the last status change: each one doubles the quiet needed for the next. */
  earlyWakes: number;
  /** A second look after a `complete` one found the pin still pending (see planWake). */
  followUpAt?: number;
  /** What the node's engine events say of the transfer. */
  transfer: TransferWatch;
}

/** How long quiet means done (see planWake), and its ceiling as early polls find nothing new. */
const QUIET_MS = 750;
/**
 * With a node that says exactly when it last sent a block: a service walking a DAG asks for
 * the next block within milliseconds on loopback and within a round trip or two over the
 * internet, so this much silence after it fetched means it is most likely done.
 */
const EXACT_QUIET_MS = 300;
const MAX_QUIET_MS = 8000;
/** After a `complete` look found the pin pending: the service is writing it down. */
const FOLLOW_UP_MS = 250;

/**
 * Sleeps until the planned poll, or until planWake says to ask sooner (the service holds
 * every block, or stopped fetching) or later (blocks still go out, so the answer is known:
 * wait for the transfer to stop, at most `holdMs` past the planned time). Without a node
 * it is a plain sleep.
 */
async function waitToPoll(
  delayMs: number,
  holdMs: number,
  ctx: WatchContext,
  served: ServedWatch,
  signal: AbortSignal,
): Promise<WakeReason> {
  const node = ctx.node;
  if (node === undefined) {
    await sleep(delayMs, signal);
    return 'planned';
  }
  const plannedAtMs = Date.now() + delayMs;
  const holdUntilMs = plannedAtMs + holdMs;
  // kubo's counters move in steps: remember when they last grew.
  let bytes = node.stats().bytesServed;
  let grewAt = Date.now();
  for (;;) {
    const now = Date.now();
    const stats = node.stats();
    if (stats.bytesServed !== bytes) {
      bytes = stats.bytesServed;
      grewAt = now;
    }
    const t = served.transfer;
    const exact = t.exact && t.lastSentAt() !== undefined;
    const servedAll = t.completeAt();
    const completeAt =
      ctx.deliveredAt === undefined || (servedAll !== undefined && servedAll > ctx.deliveredAt)
        ? servedAll
        : ctx.deliveredAt;
    const heardAt = t.lastHeardAt();
    const wake = planWake({
      nowMs: now,
      plannedAtMs,
      holdUntilMs,
      lastPollMs: served.lastPoll,
      exact,
      lastSentMs: t.lastSentAt() ?? grewAt,
      servedSinceLastPoll: stats.bytesServed > served.bytesAtLastPoll,
      // Each early poll that found nothing new asks for a longer quiet before the next.
      quietMs: Math.min(MAX_QUIET_MS, (exact ? EXACT_QUIET_MS : QUIET_MS) * 2 ** served.earlyWakes),
      ...(completeAt === undefined ? {} : { completeAtMs: completeAt }),
      ...(heardAt === undefined ? {} : { lastHeardMs: heardAt }),
      ...(served.followUpAt === undefined ? {} : { followUpAtMs: served.followUpAt }),
    });
    if ('reason' in wake) return wake.reason;
    await sleep(wake.sleepMs, signal);
  }
}

// What the loop applies: when to ask again, what the transfer says, what a status and an
// error mean, and the deadline.

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

/**
 * What the wait knows of the transfer to the services, from the embedded node's engine
 * events (wants heard, blocks sent): the wait's own bookkeeping, kept here and not in the
 * node. With a kubo node there are no events, only counters read now and then (`exact`
 * false): the wait then goes by the quiet rule alone.
 */
export interface TransferWatch {
  /** The node reports each block as it goes (the embedded node). */
  readonly exact: boolean;
  /** When the node last sent a block (ms since the epoch). */
  lastSentAt(): number | undefined;
  /** When a peer last sent the node a bitswap message: a fetcher cancels each want as its block lands. */
  lastHeardAt(): number | undefined;
  /** When a peer last came to have been sent every block the node holds. */
  completeAt(): number | undefined;
  stop(): void;
}

/** Blocks counted over all peers at most; past it no peer is ever called complete. */
export const MAX_TRACKED = 1_000_000;

export function watchTransfer(
  node: IpfsNode | undefined,
  options: { maxTracked?: number } = {},
): TransferWatch {
  if (node?.subscribe === undefined) {
    return {
      exact: false,
      lastSentAt: () => undefined,
      lastHeardAt: () => undefined,
      completeAt: () => undefined,
      stop: () => {},
    };
  }
  const maxTracked = options.maxTracked ?? MAX_TRACKED;
  // Per peer, the distinct blocks sent to it, by 48 bits of their digest (numbers, not
  // strings: a 45,000-block tree costs about 2 MB). Two blocks sharing those bits would
  // make a peer complete one block early: an early poll, no harm. A peer's set goes when
  // it disconnects (anyone can dial the node and ask), and the count over all peers is
  // bounded, so peers coming and going cannot grow it.
  const sentTo = new Map<string, Set<number>>();
  let tracked = 0;
  let lastSent: number | undefined;
  let lastHeard: number | undefined;
  let complete: number | undefined;
  let overflow = false;
  const unsubscribe = node.subscribe((event) => {
    if (event.type === 'bitswap:message:received') {
      lastHeard = event.detail.at;
      return;
    }
    if (event.type === 'bitswap:peer:gone') {
      tracked -= sentTo.get(event.detail.peer)?.size ?? 0;
      sentTo.delete(event.detail.peer);
      return;
    }
    if (event.type !== 'bitswap:block:sent') return;
    const { peer, cid, at } = event.detail;
    lastSent = at;
    if (overflow) return;
    let set = sentTo.get(peer);
    if (set === undefined) {
      set = new Set();
      sentTo.set(peer, set);
    }
    const before = set.size;
    set.add(keyOfDigest(cid.multihash.digest));
    tracked += set.size - before;
    if (tracked > maxTracked) {
      overflow = true;
      sentTo.clear();
      return;
    }
    const held = node.stats().blocksHeld ?? Number.POSITIVE_INFINITY;
    if (set.size > before && set.size >= held) complete = at;
  });
  return {
    exact: true,
    lastSentAt: () => lastSent,
    lastHeardAt: () => lastHeard,
    completeAt: () => (overflow ? undefined : complete),
    stop: () => {
      unsubscribe();
      sentTo.clear();
    },
  };
}

/** The first 6 bytes of a digest as a number (48 bits). */
export function keyOfDigest(digest: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + (digest[i] ?? 0);
  return n;
}

/** How the wait loop treats a status word from the service. */
export type StatusKind = 'pinned' | 'failed' | 'pending' | 'unknown';

export function statusKind(status: string): StatusKind {
  switch (status) {
    case 'pinned':
      return 'pinned';
    case 'failed':
      return 'failed';
    case 'queued':
    case 'pinning':
      return 'pending';
    default:
      return 'unknown';
  }
}

/** `status_details` from a status's `info`, if the service gave any. */
export function statusDetails(info: Record<string, string> | undefined): string | undefined {
  const details = info?.['status_details'];
  return typeof details === 'string' && details.trim() !== '' ? details : undefined;
}

/**
 * Errors worth asking again about until the deadline: the service was busy, broken for a
 * moment or unreachable for a moment. Everything else (401, 404, a bad answer) is final.
 */
export function isTransient(err: unknown): boolean {
  return (
    isIpfsPinError(err) &&
    (err.code === 'PSA_RATE_LIMITED' ||
      err.code === 'PSA_SERVER_ERROR' ||
      err.code === 'PSA_NETWORK' ||
      err.code === 'PSA_TIMEOUT')
  );
}

/** The Retry-After the client saw on the error, if it kept one (ms). */
export function retryAfterOf(err: unknown): number | undefined {
  if (!isIpfsPinError(err)) return undefined;
  const value = err.data?.['retryAfterMs'];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Our error for anything thrown, keeping an IpfsPinError as it is. */
export function asPinError(err: unknown, fallback: string): IpfsPinError {
  if (err instanceof IpfsPinError) return err;
  const message = errorMessage(err);
  return new IpfsPinError('PSA_REQUEST_FAILED', `${fallback}: ${message}`, { cause: err });
}

/**
 * One deadline as an AbortSignal, told apart from the caller's own cancellation: when
 * both fire, the caller's wins (ABORTED), otherwise the deadline gives PIN_TIMEOUT.
 */
export interface Deadline {
  readonly at: number;
  readonly signal: AbortSignal;
  /** Whether the deadline itself fired. */
  expired(): boolean;
  remaining(): number;
  clear(): void;
}

export function createDeadline(timeoutMs: number, now: () => number = Date.now): Deadline {
  const at = now() + timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The deadline passed', 'TimeoutError')),
    Math.min(2 ** 31 - 1, Math.max(0, timeoutMs)),
  );
  return {
    at,
    signal: controller.signal,
    expired: () => controller.signal.aborted,
    remaining: () => Math.max(0, at - now()),
    clear: () => clearTimeout(timer),
  };
}
