import { peerIdFromString } from '@libp2p/peer-id';
import type { PeerId } from '@libp2p/interface';
import { multiaddr } from '@multiformats/multiaddr';
import { abortError, errorMessage, IpfsPinError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import { importDirectory } from '../unixfs/index.js';
import { throttle } from '../util/throttle.js';
import { startBitswapEngine } from './bitswap/engine.js';
import type { BitswapEngine } from './bitswap/engine.js';
import type { BlockStore } from './block-store.js';
import { DEFAULT_DIAL_TIMEOUT_MS, PRIVATE_TARGET, dialAll } from './dial.js';
import { createHost } from './host.js';
import type { Host } from './host.js';
import { keepPeers } from './keep-peers.js';
import { dialable, isPublicAddress, publicOrigins } from './multiaddrs.js';
import { removeDir } from './temp-dir.js';
import { DEFAULT_LISTEN, prepareEmbeddedNode, startFailed } from './prepare.js';
import type { IpfsNode, NodeOptions, NodeProgressEvent, NodeStats } from './types.js';
import { aborted, raceAbort } from './util.js';

const SERVED_EVENT_MS = 1_000;
const PRIVATE_PEER_DENIED =
  'this peer was allowed private addresses by another service; from this one only a public IP is dialled for it';

/**
 * The embedded node: a plain libp2p host (host.ts), our serving-only Bitswap engine
 * (bitswap/), a block store of our own (block-store.ts) and the delegates it keeps
 * connected (keep-peers.ts). It answers the peers it dials and whoever dials it; it never
 * asks anyone for a block.
 */
export async function createEmbeddedNode(options: NodeOptions): Promise<IpfsNode> {
  return (await prepareEmbeddedNode(options)).start();
}

/** Starts libp2p and the engine on a prepared node's store (prepare.ts). */
export async function startEmbeddedNode(prepared: {
  dir: string;
  store: BlockStore;
  options: NodeOptions;
}): Promise<IpfsNode> {
  const { dir, store, options } = prepared;
  const started = performance.now();
  const { signal } = options;
  const dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  let host: Host | undefined;
  let engine: BitswapEngine | undefined;
  // Peers (or, for an address without a peer id, the address) whose dial allowed private
  // addresses: the gate lets only these reach loopback and private networks.
  const privateOk = new Set<string>();
  // Checked by prepareEmbeddedNode, before any work.
  const listen = options.listen ?? DEFAULT_LISTEN;
  try {
    if (signal?.aborted === true) throw abortError(signal, 'Starting the node');
    const creating = createHost({
      listen,
      mayDialPrivate: (address) => {
        const peer = address.getComponents().findLast((c) => c.name === 'p2p')?.value;
        return privateOk.has(address.toString()) || (peer !== undefined && privateOk.has(peer));
      },
    });
    // Given up on abort, the host still comes up: stop it then, or its sockets stay open.
    host = await raceAbort(creating, signal).catch((err: unknown) => {
      void creating.then((late) => late.stop()).catch(() => {});
      throw err;
    });
    engine = await startBitswapEngine(host, { store });
  } catch (err) {
    await engine?.stop().catch(() => {});
    await Promise.resolve(host?.stop()).catch(() => {});
    store.close();
    await removeDir(dir).catch(() => {});
    if (aborted(signal)) throw abortError(signal, 'Starting the node');
    throw startFailed(err);
  }
  return assemble({ dir, store, host, engine, options, dialTimeoutMs, started, privateOk });
}

interface Parts {
  dir: string;
  store: BlockStore;
  host: Host;
  engine: BitswapEngine;
  options: NodeOptions;
  dialTimeoutMs: number;
  started: number;
  privateOk: Set<string>;
}

function assemble({ dir, store, host, engine, options, dialTimeoutMs, started, privateOk }: Parts): IpfsNode {
  const { onProgress } = options;
  const emit = (event: NodeProgressEvent): void => onProgress?.(event);
  const peerId = host.peerId.toString();
  emit(
    new CustomProgressEvent('node:start:done', {
      kind: 'embedded' as const,
      peerId,
      ms: Math.round(performance.now() - started),
    }),
  );

  const stats = (): NodeStats => {
    const s = engine.stats();
    return {
      blocksServed: s.blocksSent,
      bytesServed: s.bytesSent,
      peers: new Set(host.getConnections().map((c) => c.remotePeer.toString())).size,
      blocksHeld: store.blocks,
      ...(s.firstSentAt === undefined || s.lastSentAt === undefined
        ? {}
        : { servingMs: s.lastSentAt - s.firstSentAt }),
    };
  };
  const served = throttle(
    () => emit(new CustomProgressEvent('node:blocks:served', stats())),
    SERVED_EVENT_MS,
  );
  const unsubscribe = engine.subscribe((e) => {
    if (e.type === 'bitswap:block:sent') served.call();
  });

  const kept = keepPeers(host, {
    dialTimeoutMs,
    onConnected: (peer, announce) => {
      engine.prepare(peer);
      void engine.announce(peer, announce).catch(() => {});
    },
    onDisconnected: (id) => emit(new CustomProgressEvent('node:peer:disconnected', { peerId: id })),
    onReconnected: (id) => emit(new CustomProgressEvent('node:peer:reconnected', { peerId: id })),
  });
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    const q = p.catch(() => {}).finally(() => pending.delete(q));
    pending.add(q);
  };
  let stopping: Promise<void> | undefined;

  return {
    kind: 'embedded',
    peerId,
    async import(path, importOptions = {}) {
      return importDirectory(path, {
        ...importOptions,
        blockstore: { put: (cid, bytes) => store.put(cid, bytes) },
      });
    },
    addresses: () => host.getMultiaddrs().map((ma) => ma.toString()),
    origins: () =>
      publicOrigins(
        host.getMultiaddrs().map((ma) => ma.toString()),
        peerId,
      ),
    dial: (multiaddrs, { allowPrivate = true, ...opts } = {}) =>
      dialAll(
        multiaddrs,
        async (_address, ma, s) => {
          const peer = dialable(_address).peerId;
          if (allowPrivate) privateOk.add(peer ?? _address);
          else if (peer !== undefined && privateOk.has(peer) && !isPublicAddress(_address))
            // The gater lets this peer reach private addresses (another dial allowed them):
            // from a dial that may not, only a public IP is taken for it, never a name.
            throw new Error(PRIVATE_PEER_DENIED);
          let conn;
          try {
            conn = await host.dial(ma ?? multiaddr(_address), { signal: s });
          } catch (err) {
            if (err instanceof Error && err.name === 'DialDeniedError')
              throw new Error(PRIVATE_TARGET, { cause: err });
            throw err;
          }
          // The service asks for blocks over this connection next: have our sending stream
          // negotiated before it does.
          engine.prepare(conn.remotePeer);
          return conn.remotePeer.toString();
        },
        {
          ...opts,
          timeoutMs: dialTimeoutMs,
          tcpOnly: true,
          ...(onProgress === undefined ? {} : { fallbackProgress: onProgress }),
        },
      ),
    keep(multiaddrs, keepOptions = {}) {
      const announce = keepOptions.announce ?? [];
      for (const address of multiaddrs) {
        const d = dialable(address);
        if (!d.ok) continue;
        const remember = (pid: PeerId): Promise<void> => kept.keep(pid, [d.multiaddr], announce);
        if (d.peerId !== undefined) track(remember(peerIdFromString(d.peerId)));
        else
          // No peer id in the address: learn it by dialling (best effort, like every dial).
          track(
            host
              .dial(d.multiaddr, { signal: AbortSignal.timeout(dialTimeoutMs) })
              .then((conn) => remember(conn.remotePeer)),
          );
      }
    },
    has: async (cid) => store.has(cid),
    stats,
    subscribe: (listener) => engine.subscribe(listener),
    async stop() {
      stopping ??= (async () => {
        served.flush();
        served.cancel();
        unsubscribe();
        kept.stop();
        try {
          await engine.stop();
          await host.stop();
          await Promise.allSettled([...pending]);
        } catch (err) {
          throw new IpfsPinError(
            'NODE_FAILED',
            `The embedded IPFS node did not stop cleanly: ${errorMessage(err)}`,
            {
              cause: err,
            },
          );
        } finally {
          store.close();
          await removeDir(dir);
        }
      })();
      return stopping;
    },
  };
}
