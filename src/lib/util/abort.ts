/**
 * Whether a signal has fired. A function, so TypeScript does not keep an earlier narrowing
 * of `signal.aborted` across an await.
 */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
