import { IpfsPinError } from '../errors.js';
import { isPrivateHost } from '../node/multiaddrs.js';
import { createPinningClient } from '../psa/client.js';
import type { PinningClient } from '../psa/types.js';
import type { ServiceConfig } from './types.js';

export const DEFAULT_MIN_INTERVAL_MS = 1000;

export interface ResolvedService {
  endpoint: string;
  token?: string;
  label: string;
  minIntervalMs: number;
  /** Dial loopback/private delegates: the option, else whether the endpoint is on such a host. */
  privateDelegates: boolean;
}

/**
 * The default of `privateDelegates`: a service whose endpoint is itself on loopback or a
 * private address (a self-hosted cluster) may name delegates there.
 */
export function endpointIsPrivate(endpoint: string): boolean {
  try {
    return isPrivateHost(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

function endpointHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}

/**
 * Fills the defaults of each service and gives every one a distinct label (the host,
 * then `host#2`, ... when two share a host). Checks only what the flow needs up front;
 * the PSA client checks the endpoint URL itself.
 */
export function resolveServices(configs: readonly ServiceConfig[]): ResolvedService[] {
  if (configs.length === 0)
    throw new IpfsPinError('INVALID_INPUT', 'no pinning service given: pass at least one endpoint');
  const used = new Map<string, number>();
  return configs.map((config, index) => {
    if (typeof config.endpoint !== 'string' || config.endpoint.trim() === '') {
      throw new IpfsPinError('INVALID_INPUT', `service ${index + 1} has no endpoint`);
    }
    const minIntervalMs = config.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) {
      throw new IpfsPinError('INVALID_INPUT', `service ${index + 1}: minIntervalMs must be a number >= 0`);
    }
    const wanted = config.label?.trim() || endpointHost(config.endpoint.trim());
    const count = (used.get(wanted) ?? 0) + 1;
    used.set(wanted, count);
    const label = count === 1 ? wanted : `${wanted}#${count}`;
    const privateDelegates = config.privateDelegates ?? endpointIsPrivate(config.endpoint.trim());
    const resolved: ResolvedService = {
      endpoint: config.endpoint.trim(),
      label,
      minIntervalMs,
      privateDelegates,
    };
    if (config.token !== undefined && config.token !== '') resolved.token = config.token;
    return resolved;
  });
}

/**
 * One PSA client per service, with its request budget. A burst of 3: the token check of a
 * big import, the lookup for an existing pin and the submit may go back to back (one step
 * for the user); the budget holds from then on. A malformed endpoint fails here, before any work.
 */
export function createServiceClients(
  services: readonly ResolvedService[],
  options: { fetch?: typeof globalThis.fetch; random?: () => number } = {},
): PinningClient[] {
  return services.map((service) =>
    createPinningClient({
      endpoint: service.endpoint,
      ...(service.token === undefined ? {} : { token: service.token }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      minIntervalMs: service.minIntervalMs,
      burst: 3,
      ...(options.random === undefined ? {} : { random: options.random }),
    }),
  );
}
