// The request budget, on a fake clock: when each request may go.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPacer } from '../../src/lib/psa/retry.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `n` requests at once and returns when each was let go, in ms from now. */
async function release(pace: (signal: AbortSignal) => Promise<void>, n: number): Promise<number[]> {
  const start = Date.now();
  const at: number[] = [];
  const all = Array.from({ length: n }, () =>
    pace(new AbortController().signal).then(() => at.push(Date.now() - start)),
  );
  await vi.runAllTimersAsync();
  await Promise.all(all);
  return at.sort((a, b) => a - b);
}

describe('createPacer', () => {
  it('spaces every request minIntervalMs after the one before by default', async () => {
    expect(await release(createPacer(1000), 4)).toEqual([0, 1000, 2000, 3000]);
  });

  it('lets a burst go back to back, then one per interval', async () => {
    expect(await release(createPacer(1000, 2), 5)).toEqual([0, 0, 1000, 2000, 3000]);
  });

  it('refills the burst after a quiet spell, never beyond it', async () => {
    const pace = createPacer(1000, 2);
    await release(pace, 2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await release(pace, 3)).toEqual([0, 0, 1000]);
  });

  it('lets everything through without a budget', async () => {
    expect(await release(createPacer(0, 2), 3)).toEqual([0, 0, 0]);
  });
});
