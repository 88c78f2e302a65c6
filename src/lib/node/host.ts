import { identify } from '@libp2p/identify';
import type { Identify } from '@libp2p/identify';
import type { ConnectionGater, Libp2p } from '@libp2p/interface';
import { noise } from '@libp2p/noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p } from 'libp2p';

export type Host = Libp2p<{ identify: Identify }>;

export interface HostOptions {
  listen: string[];
  connectionGater?: ConnectionGater;
}

/**
 * A plain libp2p host: TCP, Noise, Yamux and Identify, nothing else. No bootstrap, DHT,
 * mDNS, AutoNAT, UPnP, relays or public routers: the node only answers the peers it dials
 * (the services' delegates) and whoever dials it. TCP reaches any kubo with default
 * settings; Identify is required, or a Helia fetcher never asks the node for blocks.
 */
export async function createHost(options: HostOptions): Promise<Host> {
  return createLibp2p({
    addresses: { listen: options.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    peerDiscovery: [],
    ...(options.connectionGater === undefined ? {} : { connectionGater: options.connectionGater }),
    connectionMonitor: {
      // One lost ping must not cut the connection a service is fetching over.
      abortConnectionOnPingFailure: false,
    },
    connectionManager: {
      // A kept peer (tagged keep-alive) that hangs up is re-dialled this many times.
      reconnectRetries: 10,
      reconnectRetryInterval: 500,
      reconnectBackoffFactor: 1.5,
    },
  });
}
