export interface BackoffOptions {
  /** Delay before the first retry, before jitter (ms). */
  baseMs: number;
  /** Largest delay, before jitter (ms). */
  maxMs: number;
  /** Uniform source in [0, 1). Default Math.random. */
  random?: () => number;
  /**
   * `equal` (default) waits at least half the exponential step, so retries never bunch
   * up at zero; `full` spreads over the whole step (best when many clients collide).
   */
  jitter?: 'full' | 'equal';
}

/**
 * Delay before retry number `attempt` (0 for the first retry): exponential, capped at
 * `maxMs`, with jitter. Pure: the same `random` gives the same delay.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const base = Math.max(0, finiteOr(options.baseMs, 0));
  const max = Math.max(0, finiteOr(options.maxMs, base));
  const n = Math.max(0, Math.floor(finiteOr(attempt, 0)));
  // 2 ** 1100 is Infinity; Math.min keeps the cap either way.
  const step = Math.min(max, base * 2 ** Math.min(n, 1000));
  const r = clampUnit((options.random ?? Math.random)());
  const delay = options.jitter === 'full' ? step * r : step / 2 + (step / 2) * r;
  return Math.round(delay);
}

/**
 * A `Retry-After` header value as a delay in ms from `nowMs`: delay-seconds or an
 * HTTP date (RFC 9110). A date in the past gives 0. Anything else gives null.
 */
export function parseRetryAfter(headerValue: string | null | undefined, nowMs: number): number | null {
  if (typeof headerValue !== 'string') return null;
  const value = headerValue.trim();
  if (value === '') return null;
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : null;
  }
  // Date.parse accepts nearly anything ("1", "in 2 Jan"); every HTTP date form names a
  // month and has an hh:mm:ss time.
  if (!/(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)/i.test(value) || !/\d\d:\d\d:\d\d/.test(value))
    return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
