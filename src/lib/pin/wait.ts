import { CustomProgressEvent } from '../progress.js';
import { emit } from './emit.js';
import { IpfsPinError } from '../errors.js';
import { sleep } from '../util/sleep.js';
import type { PinningClient, PinStatus } from '../psa/types.js';
import type { IpfsNode } from '../node/types.js';
import type { DelegateDialer } from './delegates.js';
import type { Deadline } from './deadline.js';
import type { PinFlowProgressEvent } from './types.js';
import { fitToDeadline, pollDelay } from './poll-delay.js';
import { statusDetails, statusKind } from './status.js';
import { isTransient, retryAfterOf } from './transient.js';
import { planWake } from './poll-wake.js';
import { watchTransfer } from './transfer-watch.js';
import type { TransferWatch } from './transfer-watch.js';
import type { WakeReason } from './poll-wake.js';

export interface WatchContext {
  service: string;
  dialer: DelegateDialer;
  deadline: Deadline;
  /** The caller's cancellation (and the flow's "stop, the policy is decided"). */
  signal?: AbortSignal;
  node?: IpfsNode;
  onProgress?: (event: PinFlowProgressEvent) => void;
  pollMinMs: number;
  pollMaxMs: number;
  minIntervalMs: number;
  random: () => number;
  deleteOnTimeout: boolean;
  /** A status already in hand (from the POST or the lookup): handled before the first GET. */
  initial?: PinStatus;
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
    const completeAt = t.completeAt();
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
