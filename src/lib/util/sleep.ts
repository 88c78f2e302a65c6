/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts. The timer is
 * cleared on abort so nothing keeps the process alive.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(reasonOf(signal));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(reasonOf(signal));
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      // setTimeout fires at once above 2^31-1 ms.
      Math.min(2 ** 31 - 1, Math.max(0, Number.isFinite(ms) ? ms : 0)),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function reasonOf(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  return reason ?? new DOMException('This operation was aborted', 'AbortError');
}
