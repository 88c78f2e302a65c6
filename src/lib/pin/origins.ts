import { isIpfsPinError } from '../errors.js';

/**
 * Whether a failed `POST /pins` was refused because of our origins (Pinata answers
 * 400 INVALID_ORIGINS to private or loopback addresses). Then we retry once without them:
 * origins are hints, the pin works without them since we dial the delegates ourselves.
 */
export function isOriginsRejection(err: unknown): boolean {
  if (!isIpfsPinError(err)) return false;
  if (err.status !== 400 && err.code !== 'PSA_BAD_REQUEST') return false;
  const said = `${err.reason ?? ''} ${err.details ?? ''}`;
  return /origin/i.test(said);
}
