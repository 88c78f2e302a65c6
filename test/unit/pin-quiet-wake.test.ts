import { describe, expect, it } from 'vitest';
import { nextLookMs, shouldWakeEarly } from '../../src/lib/pin/quiet-wake.js';

const base = {
  sinceLastRequestMs: 5000,
  minIntervalMs: 1000,
  bytesAtLastPoll: 100,
  bytesNow: 5000,
  quietForMs: 1000,
  quietMs: 750,
};

describe('shouldWakeEarly', () => {
  it('wakes once the service fetched from us and went quiet', () => {
    expect(shouldWakeEarly(base)).toBe(true);
  });

  it('keeps sleeping while data still flows', () => {
    expect(shouldWakeEarly({ ...base, quietForMs: 200 })).toBe(false);
  });

  it('keeps sleeping when nothing was served since the last poll', () => {
    expect(shouldWakeEarly({ ...base, bytesNow: 100 })).toBe(false);
  });

  it('never breaks the request budget', () => {
    expect(shouldWakeEarly({ ...base, sinceLastRequestMs: 999 })).toBe(false);
  });
});

describe('nextLookMs', () => {
  const look = { nowMs: 10_000, untilMs: 40_000, tickMs: 250, budgetAtMs: 0 };

  it('looks again after a tick when the node cannot say when it last sent', () => {
    expect(nextLookMs(look)).toBe(250);
  });

  it('wakes exactly when the quiet is long enough, not up to a tick later', () => {
    expect(nextLookMs({ ...look, quietAtMs: 10_120 })).toBe(120);
  });

  it('waits for the budget when the quiet comes first', () => {
    expect(nextLookMs({ ...look, quietAtMs: 10_050, budgetAtMs: 10_200 })).toBe(200);
  });

  it('never sleeps past the planned poll, and always sleeps a little', () => {
    expect(nextLookMs({ ...look, untilMs: 10_030 })).toBe(30);
    expect(nextLookMs({ ...look, untilMs: 10_000 })).toBe(1);
  });

  it('looks after a tick when the quiet moment has passed (data may still come)', () => {
    expect(nextLookMs({ ...look, quietAtMs: 9_000 })).toBe(250);
  });
});
