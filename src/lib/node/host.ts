import { lookup } from 'node:dns/promises';
import { identify } from '@libp2p/identify';
import type { Identify } from '@libp2p/identify';
import type { Libp2p, MultiaddrResolver } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr } from '@multiformats/multiaddr';
import type { Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p, dnsaddrResolver } from 'libp2p';
import { isPrivateIpAddress } from '../util/private-address.js';
import { raceAbort } from './util.js';

export type Host = Libp2p<{ identify: Identify }>;

export interface HostOptions {
  listen: string[];
  /**
   * Whether a dial to this private, loopback or link-local address was asked for by us
   * (the caller allowed private addresses for this peer). Every other such dial is denied,
   * after DNS: see {@link privateDialGate}. Default: none is.
   */
  mayDialPrivate?: (address: Multiaddr) => boolean;
}

/**
 * A plain libp2p host: TCP, Noise, Yamux and Identify, nothing else. No bootstrap, DHT,
 * mDNS, AutoNAT, UPnP, relays or public routers: the node only answers the peers it dials
 * (the services' delegates) and whoever dials it. TCP reaches any kubo with default
 * settings; Identify is required, or a Helia fetcher never asks the node for blocks.
 */
export async function createHost(options: HostOptions): Promise<Host> {
  const mayDialPrivate = options.mayDialPrivate ?? (() => false);
  return createLibp2p({
    addresses: { listen: options.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    peerDiscovery: [],
    connectionGater: {
      denyDialMultiaddr: (address) => privateDialGate(address) && !mayDialPrivate(address),
    },
    connectionMonitor: {
      // One lost ping must not cut the connection a service is fetching over.
      abortConnectionOnPingFailure: false,
    },
    connectionManager: {
      // A kept peer (tagged keep-alive) that hangs up is re-dialled this many times.
      reconnectRetries: 10,
      reconnectRetryInterval: 500,
      reconnectBackoffFactor: 1.5,
      // DNS names are resolved before the gate, so the gate sees the address TCP will use.
      resolvers: { dnsaddr: dnsaddrResolver, dns: dnsResolver },
    },
  });
}

const DNS = new Set(['dns', 'dns4', 'dns6']);

/**
 * Whether a dial is to an address a service must not make us reach unless allowed: an IP
 * that is loopback, private, link-local and so on, in any spelling (util/private-address.ts).
 * It runs on the address libp2p is about to dial, after `dnsaddr` and `dns*` names were
 * resolved (by {@link dnsResolver}): a name that is still there was not resolved by us and
 * is held back too.
 */
export function privateDialGate(address: Multiaddr): boolean {
  const host = address.getComponents()[0];
  if (host === undefined) return false;
  if (host.name === 'ip4' || host.name === 'ip6') return isPrivateIpAddress(host.value ?? '');
  // A zoned address (/ip6zone/eth0/ip6/fe80::1) is link-local by definition.
  return DNS.has(host.name) || host.name === 'dnsaddr' || host.name === 'ip6zone';
}

/**
 * Resolves `/dns`, `/dns4` and `/dns6` to `/ip4` and `/ip6` with the system resolver, the
 * one TCP would use, and dials those addresses: what the gate checked is what is dialled,
 * with no second lookup that could answer differently.
 */
const dnsResolver: MultiaddrResolver = {
  canResolve: (address) => DNS.has(address.getComponents()[0]?.name ?? ''),
  async resolve(address, options) {
    const [host, ...rest] = address.getComponents();
    if (host?.value === undefined) return [address];
    const family = host.name === 'dns4' ? 4 : host.name === 'dns6' ? 6 : 0;
    const found = await raceAbort(lookup(host.value, { all: true, family }), options.signal);
    return found.map((a) =>
      multiaddr([
        { code: a.family === 6 ? 41 : 4, name: a.family === 6 ? 'ip6' : 'ip4', value: a.address },
        ...rest,
      ]),
    );
  },
};
