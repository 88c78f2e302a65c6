import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/lib/util/sleep.js';

describe('sleep', () => {
  it('resolves after about the time asked', async () => {
    const t0 = performance.now();
    await sleep(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it('rejects at once with the reason of an already aborted signal', async () => {
    const reason = new Error('stop');
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('rejects promptly when aborted mid-sleep, with the signal reason', async () => {
    const controller = new AbortController();
    const t0 = performance.now();
    const p = sleep(60_000, controller.signal);
    setTimeout(() => controller.abort(new Error('later')), 20);
    await expect(p).rejects.toThrow('later');
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('gives an AbortError when the signal has no reason', async () => {
    const controller = new AbortController();
    const p = sleep(60_000, controller.signal);
    // abort(undefined) makes a DOMException reason in Node; either way it must reject.
    controller.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });
});
