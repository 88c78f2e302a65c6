import { describe, expect, it } from 'vitest';
import {
  COMPLETE_GRACE_MS,
  IDLE_TICK_MS,
  MAX_TAIL_MS,
  SERVING_TICK_MS,
  planWake,
} from '../../src/lib/pin/wait.js';
import type { WakeInput } from '../../src/lib/pin/wait.js';

// The last poll was at 10 s; the planned one is due at 12 s, held at most until 14 s.
const base: WakeInput = {
  nowMs: 10_500,
  plannedAtMs: 12_000,
  holdUntilMs: 14_000,
  lastPollMs: 10_000,
  exact: true,
  servedSinceLastPoll: false,
  quietMs: 300,
};

describe('planWake: nothing served', () => {
  it('sleeps a tick at most while the planned poll is far', () => {
    expect(planWake(base)).toEqual({ sleepMs: IDLE_TICK_MS });
  });

  it('wakes exactly when the planned poll is due', () => {
    expect(planWake({ ...base, nowMs: 11_900 })).toEqual({ sleepMs: 100 });
    expect(planWake({ ...base, nowMs: 12_000 })).toEqual({ reason: 'planned' });
  });
});

describe('planWake: while our node sends blocks', () => {
  const sending = { ...base, servedSinceLastPoll: true, lastSentMs: 11_995 };

  it('holds a due poll back: the service is still fetching, so it is not done', () => {
    expect(planWake({ ...sending, nowMs: 12_000 })).toEqual({ sleepMs: SERVING_TICK_MS });
  });

  it('lets the held poll go once the transfer is quiet', () => {
    expect(planWake({ ...sending, nowMs: 12_294 })).toEqual({ sleepMs: 1 });
    expect(planWake({ ...sending, nowMs: 12_295 })).toEqual({ reason: 'quiet' });
  });

  it('holds no longer than holdUntil, even if blocks keep going', () => {
    expect(planWake({ ...sending, nowMs: 13_990, lastSentMs: 13_985 })).toEqual({ sleepMs: 10 });
    expect(planWake({ ...sending, nowMs: 14_000, lastSentMs: 13_995 })).toEqual({ reason: 'planned' });
  });

  it('does not hold for a node whose counters move in steps (kubo): quiet may only mean between steps', () => {
    expect(planWake({ ...sending, exact: false, quietMs: 750, nowMs: 12_000 })).toEqual({
      reason: 'planned',
    });
  });

  it('asks a moment after a peer got every block, before any quiet', () => {
    const complete = { ...sending, nowMs: 11_000, lastSentMs: 10_999, completeAtMs: 10_999 };
    expect(planWake({ ...complete, nowMs: 11_020 })).toEqual({
      sleepMs: 10_999 + COMPLETE_GRACE_MS - 11_020,
    });
    expect(planWake({ ...complete, nowMs: 10_999 + COMPLETE_GRACE_MS })).toEqual({ reason: 'complete' });
  });

  it('does not wake again for a completion the last poll already saw', () => {
    expect(planWake({ ...sending, nowMs: 11_000, completeAtMs: 9_000 })).toEqual({
      sleepMs: SERVING_TICK_MS,
    });
  });
});

describe('planWake: quiet and follow-up', () => {
  it('asks once quiet for quietMs after serving since the last poll', () => {
    const quiet = { ...base, servedSinceLastPoll: true, lastSentMs: 10_300 };
    expect(planWake({ ...quiet, nowMs: 10_599 })).toEqual({ sleepMs: 1 });
    expect(planWake({ ...quiet, nowMs: 10_600 })).toEqual({ reason: 'quiet' });
  });

  it('does not count silence as done when nothing was served since the last poll', () => {
    expect(planWake({ ...base, lastSentMs: 5_000 })).toEqual({ sleepMs: IDLE_TICK_MS });
  });

  it('takes the follow-up look when it falls due', () => {
    expect(planWake({ ...base, followUpAtMs: 10_600 })).toEqual({ sleepMs: 100 });
    expect(planWake({ ...base, followUpAtMs: 10_500 })).toEqual({ reason: 'follow-up' });
  });

  it('always sleeps a little', () => {
    const wake = planWake({ ...base, nowMs: 11_999.5 });
    expect(wake).toEqual({ sleepMs: 1 });
  });
});

describe('planWake: the last blocks still on their way (the fetcher still cancelling wants)', () => {
  // Our last block went out at 11 s (a peer got every block); the fetcher's cancels come in
  // until its last block lands.
  const tail = {
    ...base,
    servedSinceLastPoll: true,
    lastSentMs: 11_000,
    completeAtMs: 11_000,
  };

  it('waits for the messages to stop before the complete look', () => {
    expect(planWake({ ...tail, nowMs: 11_100, lastHeardMs: 11_090 })).toEqual({
      sleepMs: 11_090 + COMPLETE_GRACE_MS - 11_100,
    });
    expect(planWake({ ...tail, nowMs: 12_500, lastHeardMs: 12_480 })).toEqual({
      sleepMs: 12_480 + COMPLETE_GRACE_MS - 12_500,
    });
    expect(planWake({ ...tail, nowMs: 12_510, lastHeardMs: 12_480 })).toEqual({ reason: 'complete' });
  });

  it('still takes the complete look when a planned poll went out during the tail', () => {
    // The planned poll at 12 s (held to its limit) came before the last message at 12.48 s.
    expect(planWake({ ...tail, lastPollMs: 12_000, nowMs: 12_510, lastHeardMs: 12_480 })).toEqual({
      reason: 'complete',
    });
    // ...but not when the poll came after it.
    expect(
      planWake({
        ...tail,
        lastPollMs: 12_600,
        plannedAtMs: 20_000,
        holdUntilMs: 20_000,
        nowMs: 12_700,
        lastHeardMs: 12_480,
      }),
    ).not.toEqual({ reason: 'complete' });
  });

  it('waits no longer than MAX_TAIL_MS for a peer that keeps talking', () => {
    const at = 11_000 + MAX_TAIL_MS + COMPLETE_GRACE_MS;
    expect(
      planWake({ ...tail, plannedAtMs: 99_000, holdUntilMs: 99_000, nowMs: at, lastHeardMs: at - 1 }),
    ).toEqual({
      reason: 'complete',
    });
  });

  it('counts the messages as activity for the quiet rule too', () => {
    const noComplete = { ...tail, completeAtMs: undefined, plannedAtMs: 99_000, holdUntilMs: 99_000 };
    delete (noComplete as { completeAtMs?: number }).completeAtMs;
    expect(planWake({ ...noComplete, nowMs: 11_400, lastHeardMs: 11_350 })).toEqual({
      sleepMs: SERVING_TICK_MS,
    });
    expect(planWake({ ...noComplete, nowMs: 11_650, lastHeardMs: 11_350 })).toEqual({ reason: 'quiet' });
    // Without messages, 300 ms after the last block.
    expect(planWake({ ...noComplete, nowMs: 11_300 })).toEqual({ reason: 'quiet' });
  });

  it('ignores messages from before the last block, and any for a node that is not exact', () => {
    expect(planWake({ ...tail, nowMs: 11_030, lastHeardMs: 10_500 })).toEqual({ reason: 'complete' });
    expect(planWake({ ...tail, exact: false, nowMs: 11_030, lastHeardMs: 11_020 })).toEqual({
      reason: 'complete',
    });
  });
});
