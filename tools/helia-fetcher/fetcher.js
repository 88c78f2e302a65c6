// A Helia 7 node standing in for a pinning service behind a firewall: it listens on
// 127.0.0.1, never dials anyone (its connection gater denies every outbound dial) and
// fetches a whole DAG over bitswap from whoever connected to it, checking every block.
// Types: test/support/helia-fetcher.ts.
/* global performance, Buffer */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { withBitswap } from '@helia/bitswap';
import { withLibp2pLight } from '@helia/libp2p';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import * as dagPb from '@ipld/dag-pb';
import { multiaddr } from '@multiformats/multiaddr';
import { MemoryBlockstore } from 'blockstore-core/memory';
import { createHeliaLight } from 'helia';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { equals } from 'uint8arrays/equals';

/** A blockstore that keeps nothing: the fetcher verifies each block and drops it. */
function forgetful() {
  const nothing = async function* () {};
  return {
    has: async () => false,
    put: async (cid) => cid,
    putMany: async function* (source) {
      for await (const { cid } of source) yield cid;
    },
    get: () => {
      // Helia asks `has` first and never reads back what it was given.
      throw Object.assign(new Error('not stored'), { name: 'NotFoundError' });
    },
    getMany: nothing,
    delete: async () => {},
    deleteMany: async function* (source) {
      for await (const cid of source) yield cid;
    },
    getAll: nothing,
  };
}

export async function startHeliaFetcher(options = {}) {
  const blockstore = options.keep === true ? new MemoryBlockstore() : forgetful();
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ blockstore }), {
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      peerDiscovery: [],
      // Like a service behind NAT: it can only use connections others open.
      connectionGater: { denyDialMultiaddr: () => true },
    }),
  );
  await helia.start();
  const libp2p = helia.libp2p;
  const stop = async () => {
    await helia.stop();
  };

  return {
    peerId: libp2p.peerId.toString(),
    multiaddrs: libp2p.getMultiaddrs().map((m) => m.toString()),
    async fetchDag(root, fetchOptions = {}) {
      const t0 = performance.now();
      const start =
        typeof root === 'string' ? CID.parse(root) : (CID.asCID(root) ?? CID.parse(root.toString()));
      const concurrency = fetchOptions.concurrency ?? 64;
      const seen = new Set([start.toString()]);
      const queue = [start];
      const cids = [];
      let blocks = 0;
      let bytes = 0;
      let active = 0;
      await new Promise((resolve, reject) => {
        let failed = false;
        const pump = () => {
          if (failed) return;
          if (queue.length === 0 && active === 0) return resolve();
          while (active < concurrency && queue.length > 0) {
            const cid = queue.shift();
            active++;
            fetchBlock(cid).then(
              () => {
                active--;
                pump();
              },
              (err) => {
                failed = true;
                reject(err);
              },
            );
          }
        };
        const fetchBlock = async (cid) => {
          const block = helia.blockstore.get(
            cid,
            fetchOptions.signal === undefined ? {} : { signal: fetchOptions.signal },
          );
          const data = await collect(block);
          if (cid.multihash.code !== sha256.code)
            throw new Error(`unexpected hash ${cid.multihash.code} in ${cid}`);
          const digest = await sha256.digest(data);
          if (!equals(digest.bytes, cid.multihash.bytes))
            throw new Error(`block ${cid} does not hash to its CID`);
          blocks++;
          bytes += data.byteLength;
          cids.push(cid.toString());
          fetchOptions.onBlock?.(blocks, bytes);
          if (cid.code === dagPb.code) {
            for (const link of dagPb.decode(data).Links) {
              const key = link.Hash.toString();
              if (seen.has(key)) continue;
              seen.add(key);
              queue.push(link.Hash);
            }
          } else if (cid.code !== 0x55) {
            throw new Error(`unexpected codec ${cid.code} in ${cid}`);
          }
        };
        pump();
      });
      return { blocks, bytes, ms: performance.now() - t0, cids };
    },
    async hangUp() {
      await Promise.all(
        libp2p.getConnections().map((c) => c.close().catch(() => c.abort(new Error('hang up')))),
      );
    },
    peers() {
      return [...new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()))];
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function collect(source) {
  if (source instanceof Uint8Array) return source;
  const parts = [];
  for await (const p of source) parts.push(p);
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/**
 * A Helia 7 peer that holds the given blocks and listens nowhere: whoever it dials
 * (`serveTo`) can fetch them over that connection only. `blocks` are `{ cid: string, bytes }`.
 */
export async function startHeliaSource(blocks) {
  const blockstore = new MemoryBlockstore();
  for (const { cid, bytes } of blocks) await blockstore.put(CID.parse(cid), bytes);
  const helia = withBitswap(
    withLibp2pLight(createHeliaLight({ blockstore }), {
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify() },
      peerDiscovery: [],
      connectionMonitor: { abortConnectionOnPingFailure: false },
    }),
  );
  await helia.start();
  return {
    serveTo: async (addrs) => {
      await helia.libp2p.dial(addrs.map((a) => multiaddr(a)));
    },
    stop: () => helia.stop(),
  };
}
