import { errorMessage, IpfsPinError, isIpfsPinError } from '../errors.js';

/**
 * Errors worth asking again about until the deadline: the service was busy, broken for a
 * moment or unreachable for a moment. Everything else (401, 404, a bad answer) is final.
 */
export function isTransient(err: unknown): boolean {
  return (
    isIpfsPinError(err) &&
    (err.code === 'PSA_RATE_LIMITED' ||
      err.code === 'PSA_SERVER_ERROR' ||
      err.code === 'PSA_NETWORK' ||
      err.code === 'PSA_TIMEOUT')
  );
}

/** The Retry-After the client saw on the error, if it kept one (ms). */
export function retryAfterOf(err: unknown): number | undefined {
  if (!isIpfsPinError(err)) return undefined;
  const value = err.data?.['retryAfterMs'];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Our error for anything thrown, keeping an IpfsPinError as it is. */
export function asPinError(err: unknown, fallback: string): IpfsPinError {
  if (err instanceof IpfsPinError) return err;
  const message = errorMessage(err);
  return new IpfsPinError('PSA_REQUEST_FAILED', `${fallback}: ${message}`, { cause: err });
}
