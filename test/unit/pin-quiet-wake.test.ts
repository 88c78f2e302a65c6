import { describe, expect, it } from 'vitest';
import { shouldWakeEarly } from '../../src/lib/pin/quiet-wake.js';

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
