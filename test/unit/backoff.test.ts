import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelay, parseRetryAfter } from '../../src/lib/util/backoff.js';

describe('backoffDelay', () => {
  it('doubles from baseMs and stops at maxMs (equal jitter, random 1 = top of the step)', () => {
    const top = (attempt: number): number =>
      backoffDelay(attempt, { baseMs: 100, maxMs: 1000, random: () => 1 });
    expect([0, 1, 2, 3, 4, 5].map(top)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('equal jitter never goes under half the step', () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 10_000, random: () => 0 })).toBe(400);
  });

  it('full jitter spreads over the whole step', () => {
    expect(backoffDelay(3, { baseMs: 100, maxMs: 10_000, random: () => 0, jitter: 'full' })).toBe(0);
    expect(backoffDelay(3, { baseMs: 100, maxMs: 10_000, random: () => 0.5, jitter: 'full' })).toBe(400);
  });

  it('stays within [0, maxMs] for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.double()),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.oneof(fc.double(), fc.constant(Number.NaN)),
        fc.constantFrom<'full' | 'equal'>('full', 'equal'),
        (attempt, baseMs, maxMs, r, jitter) => {
          const d = backoffDelay(attempt, { baseMs, maxMs, random: () => r, jitter });
          expect(Number.isFinite(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(maxMs);
        },
      ),
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('60', now)).toBe(60_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date relative to now, a past date as 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('gives null for garbage', () => {
    for (const v of [null, undefined, '', 'soon', '-1', '1.5', '1e3', 'x 2', 'in 2 Jan', '0x10']) {
      expect(parseRetryAfter(v, now)).toBeNull();
    }
  });

  it('never throws and gives null or a finite non-negative number', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const v = parseRetryAfter(s, now);
        expect(v === null || (Number.isFinite(v) && v >= 0)).toBe(true);
      }),
    );
  });
});
