// A Helia 5 node that only ever talks over loopback TCP: no bootstrap, DHT, mDNS, relays or
// public routers. Clients dial in; bitswap fetches over their connection, so it never dials back.
//
// Built from @helia/utils' Helia class rather than `createHelia` from 'helia': importing 'helia'
// loads its default libp2p config, which loads a native WebRTC add-on that is not installed
// (npm ci --ignore-scripts), and fails.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bitswap } from '@helia/block-brokers';
import { Helia } from '@helia/utils';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import { MemoryBlockstore } from 'blockstore-core';
import { MemoryDatastore } from 'datastore-core';
import { createLibp2p } from 'libp2p';

/**
 * @returns {Promise<{ helia: Helia, blockstore: MemoryBlockstore }>} the started node and its raw
 *   (offline) blockstore, for checks that must never touch the network
 */
export async function createLoopbackHelia() {
  const datastore = new MemoryDatastore();
  const blockstore = new MemoryBlockstore();
  const libp2p = await createLibp2p({
    start: false,
    datastore,
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Identify tells bitswap that the client speaks it; without it no wants are sent.
    services: { identify: identify() },
    // A client without a ping handler must not lose its connection to a failed ping.
    connectionMonitor: { abortConnectionOnPingFailure: false },
  });
  const helia = new Helia({
    libp2p,
    datastore,
    blockstore,
    blockBrokers: [bitswap()],
    routers: [],
  });
  await helia.start();
  return { helia, blockstore };
}
