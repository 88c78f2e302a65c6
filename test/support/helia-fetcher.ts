import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { withBitswap } from '@helia/bitswap';
import { withLibp2pLight } from '@helia/libp2p';
import { identify } from '@libp2p/identify';
import { tcp } from '@libp2p/tcp';
import * as dagPb from '@ipld/dag-pb';
import { createHeliaLight } from 'helia';
import type { Blockstore } from 'interface-blockstore';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { equals } from 'uint8arrays/equals';

/**
 * A Helia node standing in for a pinning service behind a firewall: it listens on
 * 127.0.0.1, never dials anyone (its connection gater denies every outbound dial) and
 * fetches a whole DAG over bitswap from whoever connected to it, checking every block.
 */
export interface HeliaFetcher extends AsyncDisposable {
  peerId: string;
  /** /ip4/127.0.0.1/tcp/N/p2p/<peerId> */
  multiaddrs: string[];
  /** Walks the DAG from `root` (dag-pb links, raw leaves), fetching and verifying each block. */
  fetchDag(root: CID | string, options?: FetchOptions): Promise<FetchResult>;
  /** Closes every connection from this side, as a service restarting or pruning would. */
  hangUp(): Promise<void>;
  /** Peers connected right now. */
  peers(): string[];
  stop(): Promise<void>;
}

export interface FetchOptions {
  signal?: AbortSignal;
  /** Wants in flight. Default 64. */
  concurrency?: number;
  /** Called after each verified block (blocks so far, bytes so far). */
  onBlock?: (blocks: number, bytes: number) => void;
}

export interface FetchResult {
  blocks: number;
  bytes: number;
  ms: number;
  /** Every CID walked, in the order verified (for comparing with another fetch). */
  cids: string[];
}

export interface HeliaFetcherOptions {
  /** Keep fetched blocks (default false: verify and forget, so RSS stays flat). */
  keep?: boolean;
}

/** A blockstore that keeps nothing: the fetcher verifies each block and drops it. */
function forgetful(): Blockstore {
  type Source<T> = Iterable<T> | AsyncIterable<T>;
  const nothing = async function* (): AsyncGenerator<never> {
    yield* [];
  };
  return {
    has: async () => false,
    put: async (cid: CID) => cid,
    putMany: async function* (source: Source<{ cid: CID }>) {
      for await (const { cid } of source) yield cid;
    },
    get: () => {
      // Helia asks `has` first and never reads back what it was given.
      throw Object.assign(new Error('not stored'), { name: 'NotFoundError' });
    },
    getMany: nothing,
    delete: async () => {},
    deleteMany: async function* (source: Source<CID>) {
      for await (const cid of source) yield cid;
    },
    getAll: nothing,
  };
}

export async function startHeliaFetcher(options: HeliaFetcherOptions = {}): Promise<HeliaFetcher> {
  const { MemoryBlockstore } = await import('blockstore-core/memory');
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
  const stop = async (): Promise<void> => {
    await helia.stop();
  };

  return {
    peerId: libp2p.peerId.toString(),
    multiaddrs: libp2p.getMultiaddrs().map((m) => m.toString()),
    async fetchDag(root, fetchOptions = {}) {
      const t0 = performance.now();
      const start = typeof root === 'string' ? CID.parse(root) : root;
      const concurrency = fetchOptions.concurrency ?? 64;
      const seen = new Set<string>([start.toString()]);
      const queue: CID[] = [start];
      const cids: string[] = [];
      let blocks = 0;
      let bytes = 0;
      let active = 0;
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        const pump = (): void => {
          if (failed) return;
          if (queue.length === 0 && active === 0) return resolve();
          while (active < concurrency && queue.length > 0) {
            const cid = queue.shift() as CID;
            active++;
            fetchBlock(cid).then(
              () => {
                active--;
                pump();
              },
              (err: unknown) => {
                failed = true;
                reject(err);
              },
            );
          }
        };
        const fetchBlock = async (cid: CID): Promise<void> => {
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

async function collect(
  source: Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}
