import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { withBitswap } from '@helia/bitswap';
import { withLibp2pLight } from '@helia/libp2p';
import { identify } from '@libp2p/identify';
import { KEEP_ALIVE } from '@libp2p/interface';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { Blockstore } from 'interface-blockstore';
import { createHeliaLight } from 'helia';
import { IpfsPinError, abortError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import { importDirectory } from '../unixfs/index.js';
import { dialable, publicOrigins } from './multiaddrs.js';
import { createServedCounter, throttle } from './served-metrics.js';
import { createServedCoverage } from './served-coverage.js';
import { createImportSink } from './import-sink.js';
import { watchSentBlocks } from './sent-blocks.js';
import { openDiskBlockstore } from './disk-blockstore.js';
import { DEFAULT_MEMORY_BYTES, tieredBlockstore } from './tiered-blockstore.js';
import { makeTempDir, removeDir } from './temp-dir.js';
import { skipKnownProtocolMerges } from './protocol-merges.js';
import { keepBitswapStreams } from './bitswap-streams.js';
import { aborted, message, raceAbort } from './util.js';
import type {
  DialResult,
  IpfsNode,
  NodeCallOptions,
  NodeOptions,
  NodeProgressEvent,
  NodeStats,
} from './types.js';

const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0'];
const DEFAULT_DIAL_TIMEOUT_MS = 15_000;
const SERVED_EVENT_MS = 1_000;
/** How often kept peers that libp2p gave up re-dialling are dialled again. */
const KEEP_CHECK_MS = 10_000;
const KEEP_TAG = `${KEEP_ALIVE}-ipfs-pin`;

/**
 * Helia from its light pieces: TCP + Noise + Yamux + Identify, bitswap, nothing else. No
 * bootstrap, DHT, mDNS, AutoNAT, UPnP, relays, public routers or gateways: the node
 * only answers the peers it dials (the services' delegates) and whoever dials it.
 */
export async function createEmbeddedNode(options: NodeOptions): Promise<IpfsNode> {
  const started = performance.now();
  const { signal, onProgress } = options;
  const dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  const listen = parseListen(options.listen ?? DEFAULT_LISTEN);
  const memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  if (!Number.isFinite(memoryBytes) || memoryBytes < 0) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `memoryBytes must be a number of bytes, 0 or more (got ${String(memoryBytes)})`,
    );
  }
  if (signal?.aborted === true) throw abortError(signal, 'Starting the node');

  const emit = (event: NodeProgressEvent, to = onProgress): void => {
    to?.(event);
  };
  const served = throttle(
    () => emit(new CustomProgressEvent('node:blocks:served', stats())),
    SERVED_EVENT_MS,
  );
  const counter = createServedCounter(served.call);

  let dir: string | undefined;
  let store: Blockstore | undefined;
  let helia: Awaited<ReturnType<typeof build>> | undefined;
  try {
    dir = await makeTempDir(options.tempDir, 'node');
    store = tieredBlockstore(await openDiskBlockstore(join(dir, 'blocks')), memoryBytes);
    helia = build(store, counter.metrics, listen);
    await raceAbort(helia.start(), signal);
  } catch (err) {
    await helia?.stop().catch(() => {});
    if (dir !== undefined) await removeDir(dir).catch(() => {});
    if (aborted(signal)) throw abortError(signal, 'Starting the node');
    throw new IpfsPinError('NODE_START_FAILED', `The embedded IPFS node could not start: ${message(err)}`, {
      cause: err,
    });
  }

  const node = helia;
  emit(
    new CustomProgressEvent('node:start:done', {
      kind: 'embedded' as const,
      peerId: node.libp2p.peerId.toString(),
      ms: Math.round(performance.now() - started),
    }),
  );
  const tempDir = dir;
  const libp2p: Libp2p = node.libp2p;
  // Bitswap opens a stream per message: send them all on one kept stream per peer instead.
  const streams = keepBitswapStreams(libp2p);
  // ...and not rewrite the peer's record each time one is negotiated.
  const merges = skipKnownProtocolMerges(libp2p.peerStore);
  // Blocks go one per message (as kubo sends them), and we see which peers were sent every
  // block we hold (see sent-blocks.ts, served-coverage.ts).
  const coverage = createServedCoverage();
  const sentWatch = watchSentBlocks(node, (peer, keys) => coverage.sent(peer, keys));
  // Our importer writes to the store itself, not through Helia's wrapper (which
  // would announce every block to connected peers while importing).
  const blockstore = store;
  // A block already held (the same content twice in the tree) is not written again.
  const importSink = createImportSink(blockstore, coverage);
  const peerId = libp2p.peerId.toString();
  const kept = new Map<string, Multiaddr[]>();
  const pending = new Set<Promise<unknown>>();
  let stopping: Promise<void> | undefined;

  const track = (p: Promise<unknown>): void => {
    const q = p.catch(() => {}).finally(() => pending.delete(q));
    pending.add(q);
  };

  // Peers we lost, so that their next connection is told as a reconnect.
  const lost = new Set<string>();
  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString();
    lost.add(id);
    emit(new CustomProgressEvent('node:peer:disconnected', { peerId: id }));
  };
  const onConnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString();
    if (lost.delete(id)) emit(new CustomProgressEvent('node:peer:reconnected', { peerId: id }));
  };
  libp2p.addEventListener('peer:disconnect', onDisconnect);
  libp2p.addEventListener('peer:connect', onConnect);

  // libp2p re-dials keep-alive peers a few times with backoff, then drops the tag; a
  // service that is down for longer still gets dialled again from here.
  const keepTimer = setInterval(() => {
    for (const [id, addrs] of kept) {
      const pid = peerIdFromString(id);
      if (libp2p.getConnections(pid).length > 0) continue;
      track(tag(pid, addrs).then(() => libp2p.dial(pid, { signal: AbortSignal.timeout(dialTimeoutMs) })));
    }
  }, KEEP_CHECK_MS);
  keepTimer.unref();

  async function tag(pid: PeerId, addrs: Multiaddr[]): Promise<void> {
    await libp2p.peerStore.merge(pid, { multiaddrs: addrs, tags: { [KEEP_TAG]: { value: 1 } } });
  }

  function stats(): NodeStats {
    const peers = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()));
    const lastServedAt = counter.lastAt();
    const peerCompleteAt = coverage.completeAt();
    const lastHeardAt = sentWatch.lastHeardAt();
    return {
      blocksServed: counter.blocks(),
      bytesServed: counter.bytes(),
      peers: peers.size,
      ...(lastServedAt === undefined ? {} : { lastServedAt }),
      ...(peerCompleteAt === undefined ? {} : { peerCompleteAt }),
      ...(lastHeardAt === undefined ? {} : { lastHeardAt }),
      touches: {
        bitswapStreamsReused: streams.reused(),
        bitswapStreamsOpened: streams.opened(),
        mergesSkipped: merges.skipped(),
        sentBlocksWatched: sentWatch.watching,
        sentMessagesSeen: sentWatch.seen(),
        blockMessagesSplit: sentWatch.split(),
        messagesHeard: sentWatch.heard(),
      },
    };
  }

  async function dialOne(address: string, opts: NodeCallOptions): Promise<DialResult> {
    const t0 = performance.now();
    const d = dialable(address);
    let result: DialResult;
    if (!d.ok) {
      result = {
        multiaddr: address,
        ok: false,
        error: d.error,
        ms: 0,
        ...(d.peerId === undefined ? {} : { peerId: d.peerId }),
      };
    } else {
      const timeout = AbortSignal.timeout(dialTimeoutMs);
      const dialSignal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout]);
      try {
        const conn = await libp2p.dial(d.multiaddr, { signal: dialSignal });
        // The service will ask for blocks over this connection: have our sending stream
        // negotiated before it does.
        streams.prepare(conn.remotePeer);
        result = {
          multiaddr: address,
          ok: true,
          peerId: conn.remotePeer.toString(),
          ms: Math.round(performance.now() - t0),
        };
      } catch (err) {
        const why = timeout.aborted ? `timed out after ${dialTimeoutMs} ms` : message(err);
        result = {
          multiaddr: address,
          ok: false,
          error: why,
          ms: Math.round(performance.now() - t0),
          ...(d.peerId === undefined ? {} : { peerId: d.peerId }),
        };
      }
    }
    emit(new CustomProgressEvent('node:dial:done', result), opts.onProgress ?? onProgress);
    return result;
  }

  return {
    kind: 'embedded',
    peerId,
    async import(path, importOptions = {}) {
      return importDirectory(path, { ...importOptions, blockstore: importSink });
    },
    addresses() {
      return libp2p.getMultiaddrs().map((ma) => ma.toString());
    },
    origins() {
      return publicOrigins(
        libp2p.getMultiaddrs().map((ma) => ma.toString()),
        peerId,
      );
    },
    async dial(multiaddrs, opts = {}) {
      const results = await Promise.all(multiaddrs.map((a) => dialOne(a, opts)));
      if (opts.signal?.aborted === true) throw abortError(opts.signal, 'Dialling');
      return results;
    },
    keep(multiaddrs) {
      for (const address of multiaddrs) {
        const d = dialable(address);
        if (!d.ok) continue;
        const remember = async (pid: PeerId): Promise<void> => {
          const id = pid.toString();
          const addrs = kept.get(id) ?? [];
          if (!addrs.some((a) => a.equals(d.multiaddr))) addrs.push(d.multiaddr);
          kept.set(id, addrs);
          await tag(pid, addrs);
        };
        if (d.peerId !== undefined) {
          track(remember(peerIdFromString(d.peerId)));
        } else {
          // No peer id in the address: learn it by dialling (best effort, like every dial).
          track(
            libp2p
              .dial(d.multiaddr, { signal: AbortSignal.timeout(dialTimeoutMs) })
              .then((conn) => remember(conn.remotePeer)),
          );
        }
      }
    },
    async has(cid) {
      return blockstore.has(cid);
    },
    stats,
    async stop() {
      stopping ??= (async () => {
        clearInterval(keepTimer);
        streams.stop();
        merges.restore();
        sentWatch.stop();
        served.flush();
        served.cancel();
        libp2p.removeEventListener('peer:disconnect', onDisconnect);
        libp2p.removeEventListener('peer:connect', onConnect);
        kept.clear();
        try {
          await node.stop();
          await Promise.allSettled([...pending]);
        } catch (err) {
          throw new IpfsPinError(
            'NODE_FAILED',
            `The embedded IPFS node did not stop cleanly: ${message(err)}`,
            { cause: err },
          );
        } finally {
          await removeDir(tempDir);
        }
      })();
      return stopping;
    },
  };

  function build(
    store: Blockstore,
    metrics: ReturnType<typeof createServedCounter>['metrics'],
    addrs: string[],
  ) {
    const light = createHeliaLight({ blockstore: store, metrics });
    const withNet = withLibp2pLight(light, {
      addresses: { listen: addrs },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // Identify is required: a Helia fetcher asks nothing of a peer it has not identified.
      services: { identify: identify() },
      peerDiscovery: [],
      connectionMonitor: {
        // One lost ping must not cut the connection the service is fetching over.
        abortConnectionOnPingFailure: false,
      },
      connectionManager: {
        reconnectRetries: 10,
        reconnectRetryInterval: 500,
        reconnectBackoffFactor: 1.5,
      },
    });
    return withBitswap(withNet);
  }
}

function parseListen(addrs: string[]): string[] {
  for (const a of addrs) {
    try {
      multiaddr(a);
    } catch (err) {
      throw new IpfsPinError(
        'INVALID_INPUT',
        `listen address ${JSON.stringify(a)} is not a multiaddr: ${message(err)}`,
        { cause: err },
      );
    }
  }
  return addrs;
}
