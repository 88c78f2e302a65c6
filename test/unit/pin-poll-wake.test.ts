import { describe, expect, it } from 'vitest';
import { COMPLETE_GRACE_MS, IDLE_TICK_MS, SERVING_TICK_MS, planWake } from '../../src/lib/pin/poll-wake.js';
import type { WakeInput } from '../../src/lib/pin/poll-wake.js';

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
