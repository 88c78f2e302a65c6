import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { IpfsPinError } from '../errors.js';
import { isPrivateHost } from '../node/multiaddrs.js';
import { raceAbort } from '../node/util.js';
import { isPrivateIpAddress } from '../util/private-address.js';
import { createPinningClient } from '../psa/client.js';
import type { PinningClient } from '../psa/types.js';
import type { ServiceConfig } from './types.js';
import { autoUpload, parseUploadSpec } from '../upload/index.js';
import { clusterUrlSetsPinOptions } from '../upload/cluster.js';
import type { UploadConfig } from '../upload/types.js';

export const DEFAULT_MIN_INTERVAL_MS = 1000;

export interface ResolvedService {
  endpoint: string;
  token?: string;
  label: string;
  minIntervalMs: number;
  /** Dial loopback/private delegates: the option, else whether the endpoint is on such a host. */
  privateDelegates: boolean;
  /** false for a bare Kubo RPC target: no pinning API, the upload's own pin is the result. */
  psa: boolean;
  /** The CAR upload to make first, `auto` resolved. */
  upload?: UploadConfig;
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

/** How long the endpoint's name may take to resolve for {@link endpointResolvesPrivate}. */
const ENDPOINT_LOOKUP_MS = 5_000;

/**
 * {@link endpointIsPrivate}, with the endpoint's host name resolved: a service reached by a
 * name that resolves only to loopback or private addresses (a cluster on the LAN, a lab's
 * `service.lab`) is on a private network too, and its delegates are there. The endpoint
 * is the user's own input; a name that does not resolve, or resolves to any public
 * address, is public.
 */
export async function endpointResolvesPrivate(endpoint: string): Promise<boolean> {
  if (endpointIsPrivate(endpoint)) return true;
  let host: string;
  try {
    host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === '' || isIP(host) !== 0) return false;
  try {
    const addresses = await raceAbort(lookup(host, { all: true }), AbortSignal.timeout(ENDPOINT_LOOKUP_MS));
    return addresses.length > 0 && addresses.every((a) => isPrivateIpAddress(a.address));
  } catch {
    return false;
  }
}

/**
 * Settles each service's `privateDelegates` left to its default by resolving the
 * endpoint's name ({@link endpointResolvesPrivate}); an explicit option stays as it is.
 */
export async function settlePrivateDelegates(
  services: ResolvedService[],
  configs: readonly ServiceConfig[],
): Promise<void> {
  await Promise.all(
    services.map(async (service, i) => {
      if (configs[i]?.privateDelegates !== undefined || service.privateDelegates) return;
      service.privateDelegates = await endpointResolvesPrivate(service.endpoint);
    }),
  );
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
    const upload = resolveUpload(config, index);
    const endpoint = typeof config.endpoint === 'string' ? config.endpoint.trim() : '';
    const bare = endpoint === '' && upload?.kind === 'kubo';
    if (endpoint === '' && !bare) {
      throw new IpfsPinError(
        'INVALID_INPUT',
        `service ${index + 1} has no endpoint (only a kubo upload target may go without a Pinning Service API)`,
      );
    }
    const minIntervalMs = config.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    if (!Number.isFinite(minIntervalMs) || minIntervalMs < 0) {
      throw new IpfsPinError('INVALID_INPUT', `service ${index + 1}: minIntervalMs must be a number >= 0`);
    }
    // A bare kubo is named by its RPC host (never its credentials).
    const where = bare ? uploadOrigin(upload.url ?? '') : endpoint;
    const wanted = config.label?.trim() || endpointHost(where);
    const count = (used.get(wanted) ?? 0) + 1;
    used.set(wanted, count);
    const label = count === 1 ? wanted : `${wanted}#${count}`;
    const privateDelegates = config.privateDelegates ?? endpointIsPrivate(where);
    const resolved: ResolvedService = {
      endpoint: where,
      label,
      minIntervalMs,
      privateDelegates,
      psa: !bare,
    };
    if (config.token !== undefined && config.token !== '') resolved.token = config.token;
    if (upload !== undefined) resolved.upload = upload;
    return resolved;
  });
}

function uploadOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'kubo';
  }
}

function resolveUpload(config: ServiceConfig, index: number): UploadConfig | undefined {
  let given = config.upload ?? 'auto';
  if (typeof given === 'string') given = parseUploadSpec(given);
  if (given === 'off') return undefined;
  if (given === 'auto') return autoUpload(config.endpoint, config.token);
  if (typeof given !== 'object' || given === null || typeof given.kind !== 'string')
    throw new IpfsPinError(
      'INVALID_INPUT',
      `service ${index + 1}: upload must be auto, off or { kind, url }`,
    );
  // A cluster's replication and expiry ride on the upload: a pin made by bitswap instead
  // would have neither, so with them the upload is required.
  if (given.kind === 'cluster' && clusterUrlSetsPinOptions(given.url)) return { ...given, required: true };
  return given;
}

/**
 * One PSA client per service, with its request budget. A burst of 3: the token check of a
 * big import, the lookup for an existing pin and the submit may go back to back (one step
 * for the user); the budget holds from then on. A malformed endpoint fails here, before any work.
 */
export function createServiceClients(
  services: readonly ResolvedService[],
  options: { fetch?: typeof globalThis.fetch; random?: () => number } = {},
): (PinningClient | undefined)[] {
  return services.map((service) =>
    !service.psa
      ? undefined
      : createPinningClient({
          endpoint: service.endpoint,
          ...(service.token === undefined ? {} : { token: service.token }),
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          minIntervalMs: service.minIntervalMs,
          burst: 3,
          ...(options.random === undefined ? {} : { random: options.random }),
        }),
  );
}
