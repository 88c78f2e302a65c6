import { IpfsPinError } from '../errors.js';
import type { PinningClient, PinStatus } from '../psa/types.js';
import { createDeadline } from './deadline.js';
import { createDelegateDialer } from './delegates.js';
import { endpointResolvesPrivate } from './services.js';
import { DEFAULT_MIN_INTERVAL_MS } from './services.js';
import type { WaitOptions } from './types.js';
import { watchPin } from './wait.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_POLL_MIN_MS = 1000;
export const DEFAULT_POLL_MAX_MS = 30_000;

/**
 * Waits until the service reports the pin `pinned` and returns that status. Resumes a pin
 * submitted earlier (`pinDirectory({ wait: false })`, or a pin made by another tool).
 * With `node`, dials the delegates of every status and keeps those connections, so the
 * service can fetch from that node. Throws PIN_FAILED, PIN_TIMEOUT (the pin stays unless
 * `deleteOnTimeout`), ABORTED, or the client's error when the service refuses us.
 */
export async function waitForPinned(
  client: PinningClient,
  requestid: string,
  options: WaitOptions = {},
): Promise<PinStatus> {
  if (typeof requestid !== 'string' || requestid === '') {
    throw new IpfsPinError('INVALID_INPUT', 'waitForPinned needs the requestid of the pin');
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new IpfsPinError('INVALID_INPUT', 'timeoutMs must be a number of milliseconds above 0');
  }
  const service = options.service ?? client.endpoint;
  const deadline = createDeadline(timeoutMs);
  const dialer = createDelegateDialer(options.node, service, options.onProgress, {
    allowPrivate: options.privateDelegates ?? (await endpointResolvesPrivate(client.endpoint)),
  });
  try {
    return await watchPin(client, requestid, {
      service,
      dialer,
      deadline,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.node === undefined ? {} : { node: options.node }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      pollMinMs: options.pollMinMs ?? DEFAULT_POLL_MIN_MS,
      pollMaxMs: options.pollMaxMs ?? DEFAULT_POLL_MAX_MS,
      minIntervalMs: options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS,
      random: options.random ?? Math.random,
      deleteOnTimeout: options.deleteOnTimeout ?? false,
    });
  } finally {
    deadline.clear();
    await dialer.settle();
  }
}
