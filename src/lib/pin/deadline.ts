/**
 * One deadline as an AbortSignal, told apart from the caller's own cancellation: when
 * both fire, the caller's wins (ABORTED), otherwise the deadline gives PIN_TIMEOUT.
 */
export interface Deadline {
  readonly at: number;
  readonly signal: AbortSignal;
  /** Whether the deadline itself fired. */
  expired(): boolean;
  remaining(): number;
  clear(): void;
}

export function createDeadline(timeoutMs: number, now: () => number = Date.now): Deadline {
  const at = now() + timeoutMs;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The deadline passed', 'TimeoutError')),
    Math.min(2 ** 31 - 1, Math.max(0, timeoutMs)),
  );
  return {
    at,
    signal: controller.signal,
    expired: () => controller.signal.aborted,
    remaining: () => Math.max(0, at - now()),
    clear: () => clearTimeout(timer),
  };
}
