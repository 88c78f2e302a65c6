import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fitToDeadline, pollDelay } from '../../src/lib/pin/wait.js';

const base = { minMs: 1000, maxMs: 30_000, minIntervalMs: 0 };

describe('pollDelay', () => {
  it('starts near the first delay and doubles up to the largest', () => {
    const mid = () => 0.5;
    expect(pollDelay({ ...base, attempt: 0, random: mid })).toBe(1000);
    expect(pollDelay({ ...base, attempt: 1, random: mid })).toBe(2000);
    expect(pollDelay({ ...base, attempt: 4, random: mid })).toBe(16_000);
    expect(pollDelay({ ...base, attempt: 5, random: mid })).toBe(30_000);
    expect(pollDelay({ ...base, attempt: 500, random: mid })).toBe(30_000);
  });

  it('spreads by jitter between 3/4 and 5/4 of the step', () => {
    expect(pollDelay({ ...base, attempt: 2, random: () => 0 })).toBe(3000);
    expect(pollDelay({ ...base, attempt: 2, random: () => 0.999999 })).toBe(5000);
  });

  it('never goes under the request budget nor under Retry-After', () => {
    expect(pollDelay({ ...base, attempt: 0, minIntervalMs: 5000, random: () => 0 })).toBe(5000);
    expect(pollDelay({ ...base, attempt: 0, retryAfterMs: 60_000, random: () => 0 })).toBe(60_000);
  });

  it('stays within bounds for any input', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.nat(20_000),
        fc.option(fc.nat(120_000), { nil: undefined }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, minMs, extra, minIntervalMs, retryAfterMs, r) => {
          const maxMs = minMs + extra;
          const input = { attempt, minMs, maxMs, minIntervalMs, random: () => r };
          const delay = pollDelay(retryAfterMs === undefined ? input : { ...input, retryAfterMs });
          expect(Number.isFinite(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(
            Math.max(minIntervalMs, retryAfterMs ?? 0, Math.floor(minMs * 0.75)),
          );
          expect(delay).toBeLessThanOrEqual(
            Math.max(Math.ceil(maxMs * 1.25), minIntervalMs, retryAfterMs ?? 0),
          );
        },
      ),
    );
  });
});

describe('fitToDeadline', () => {
  it('keeps a delay that ends before the deadline', () => {
    expect(fitToDeadline(2000, 10_000, 1000)).toBe(2000);
  });

  it('moves a late poll to just before the deadline', () => {
    expect(fitToDeadline(30_000, 10_000, 1000)).toBe(9000);
    expect(fitToDeadline(30_000, 2000, 0)).toBe(1500);
  });

  it('gives up when the budget leaves no room for one more request', () => {
    expect(fitToDeadline(30_000, 1200, 1000)).toBeUndefined();
    expect(fitToDeadline(100, 0, 0)).toBeUndefined();
  });
});
