import { create } from 'kubo-rpc-client';
import type { KuboRPCClient } from 'kubo-rpc-client';
import { abortError, errorMessage, IpfsPinError } from '../errors.js';
import { CustomProgressEvent } from '../progress.js';
import { importDirectory } from '../unixfs/index.js';
import { createCarSpool } from './car-spool.js';
import { aborted } from './util.js';
import { publicOrigins } from './multiaddrs.js';
import { makeTempDir, removeDir } from './temp-dir.js';
import { DEFAULT_DIAL_TIMEOUT_MS, dialAll, publicOnly } from './dial.js';
import type { Connect } from './dial.js';
import type { DialOptions, DialResult, IpfsNode, NodeKind, NodeOptions, NodeStats } from './types.js';

const RPC_TIMEOUT_MS = 10_000;
/** kubo reports bitswap counters on request only: how often they are read for stats(). */
const STATS_POLL_MS = 1_000;

export interface KuboDriverOptions extends NodeOptions {
  kind: Extract<NodeKind, 'kubo-api' | 'kubo-binary'>;
  apiUrl: string;
  /** Runs after the driver let go of the daemon (kubo-binary: kill it, remove the repo). */
  onStop?: () => Promise<void>;
}

/**
 * Drives a kubo daemon over its RPC API as an IpfsNode. It takes care not to change the
 * daemon beyond what it adds: peering entries it added are removed on stop, and imported
 * blocks are not pinned unless `kuboPin` is set (kubo's GC may then collect them later).
 */
export async function createKuboDriver(options: KuboDriverOptions): Promise<IpfsNode> {
  const started = performance.now();
  const { apiUrl, kind, onProgress, signal } = options;
  const dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
  const ipfs: KuboRPCClient = create({ url: apiUrl });
  const rpcSignal = (s?: AbortSignal, ms = RPC_TIMEOUT_MS): AbortSignal =>
    s === undefined ? AbortSignal.timeout(ms) : AbortSignal.any([s, AbortSignal.timeout(ms)]);

  let peerId: string;
  let addresses: string[];
  let base: { blocks: bigint; bytes: bigint };
  try {
    const id = await ipfs.id({ signal: rpcSignal(signal) });
    peerId = id.id.toString();
    addresses = id.addresses.map((a) => a.toString());
    const bs = await ipfs.bitswap.stat({ signal: rpcSignal(signal) });
    base = { blocks: bs.blocksSent, bytes: bs.dataSent };
  } catch (err) {
    if (aborted(signal)) throw abortError(signal, 'Connecting to kubo');
    throw new IpfsPinError(
      'KUBO_UNAVAILABLE',
      `kubo's RPC API at ${apiUrl} could not be reached: ${errorMessage(err)}`,
      { cause: err, data: { apiUrl } },
    );
  }
  onProgress?.(
    new CustomProgressEvent('node:start:done', { kind, peerId, ms: Math.round(performance.now() - started) }),
  );

  let current: NodeStats = { blocksServed: 0, bytesServed: 0, peers: 0 };
  let knownPeers = new Set<string>();
  const addedPeering = new Set<string>();
  let stopping: Promise<void> | undefined;
  let polling = false;

  const poll = async (): Promise<void> => {
    if (polling) return;
    polling = true;
    try {
      const bs = await ipfs.bitswap.stat({ signal: AbortSignal.timeout(RPC_TIMEOUT_MS) });
      const peers = await ipfs.swarm.peers({ signal: AbortSignal.timeout(RPC_TIMEOUT_MS) });
      const now = new Set(peers.map((p) => p.peer.toString()));
      for (const p of knownPeers)
        if (!now.has(p)) onProgress?.(new CustomProgressEvent('node:peer:disconnected', { peerId: p }));
      knownPeers = now;
      const next = {
        blocksServed: Number(bs.blocksSent - base.blocks),
        bytesServed: Number(bs.dataSent - base.bytes),
        peers: now.size,
      };
      const changed = next.blocksServed !== current.blocksServed;
      current = next;
      if (changed) onProgress?.(new CustomProgressEvent('node:blocks:served', current));
    } catch {
      // A missed reading is not a failure: the next one catches up.
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), STATS_POLL_MS);
  timer.unref();

  // For what kubo-rpc-client lacks (peering) or types wrongly (swarm/connect answers strings).
  async function rpc(
    path: string,
    args: string[],
    s?: AbortSignal,
    params: Record<string, string> = {},
  ): Promise<unknown> {
    const url = new URL(`api/v0/${path}`, apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
    for (const a of args) url.searchParams.append('arg', a);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, { method: 'POST', signal: s ?? rpcSignal() });
    const text = await res.text();
    if (!res.ok) throw new KuboRpcError(`kubo ${path}: HTTP ${res.status} ${kuboMessage(text)}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  const connect: Connect = async (address, _parsed, signal) => {
    const res = (await rpc('swarm/connect', [address], signal, { timeout: `${dialTimeoutMs}ms` })) as
      { Strings?: string[] } | undefined;
    return /connect (\S+) success/.exec((res?.Strings ?? []).join('\n'))?.[1];
  };
  const dial = (
    multiaddrs: string[],
    { allowPrivate = true, ...opts }: DialOptions = {},
  ): Promise<DialResult[]> =>
    dialAll(multiaddrs, allowPrivate ? connect : publicOnly(connect), {
      ...opts,
      // kubo times the dial out itself; the request gets a second more to bring the answer.
      timeoutMs: dialTimeoutMs + 1_000,
      tcpOnly: false,
      ...(onProgress === undefined ? {} : { fallbackProgress: onProgress }),
    });

  const pendingKeeps = new Set<Promise<void>>();

  return {
    kind,
    peerId,
    async import(path, importOptions = {}) {
      const dir = await makeTempDir(options.tempDir, 'car');
      try {
        const spool = createCarSpool(dir);
        const result = await importDirectory(path, { ...importOptions, blockstore: spool });
        await spool.finish();
        const s = importOptions.signal;
        // Blocks only: pinning someone else's daemon is the user's call (kuboPin).
        for await (const _ of ipfs.dag.import([spool.car(result.cid)], {
          pinRoots: false,
          ...(s === undefined ? {} : { signal: s }),
        })) {
          // dag/import answers with the roots it pinned: none here.
        }
        if (options.kuboPin === true)
          await ipfs.pin.add(result.cid, { ...(s === undefined ? {} : { signal: s }) });
        return result;
      } catch (err) {
        if (err instanceof IpfsPinError) throw err;
        if (aborted(importOptions.signal)) throw abortError(importOptions.signal, 'Importing into kubo');
        throw new IpfsPinError('NODE_FAILED', `Importing into kubo failed: ${errorMessage(err)}`, {
          cause: err,
        });
      } finally {
        await removeDir(dir);
      }
    },
    addresses() {
      return addresses;
    },
    origins() {
      return publicOrigins(addresses, peerId);
    },
    dial,
    keep(multiaddrs) {
      // kubo's peering keeps a connection to each entry and re-dials it when dropped.
      const p = (async () => {
        const listed = (await rpc('swarm/peering/ls', []).catch(() => undefined)) as
          { Peers?: { ID: string }[] | null } | undefined;
        const already = new Set((listed?.Peers ?? []).map((x) => x.ID));
        for (const address of multiaddrs) {
          let full = address;
          if (!/\/p2p\/[^/]+$/.test(address)) {
            const [r] = await dial([address]);
            if (r?.peerId === undefined) continue;
            full = `${address}/p2p/${r.peerId}`;
          }
          const id = /\/p2p\/([^/]+)$/.exec(full)?.[1];
          if (id === undefined || already.has(id)) continue;
          await rpc('swarm/peering/add', [full])
            .then(() => addedPeering.add(id))
            .catch(() => {});
        }
      })().catch(() => {});
      pendingKeeps.add(p);
      void p.finally(() => pendingKeeps.delete(p));
    },
    async has(cid) {
      try {
        await rpc('block/stat', [cid.toString()], undefined, { offline: 'true' });
        return true;
      } catch (err) {
        // kubo answers "not found locally" as an HTTP error; no answer at all is a failure.
        if (err instanceof KuboRpcError) return false;
        throw new IpfsPinError('NODE_FAILED', `kubo did not answer block/stat: ${errorMessage(err)}`, {
          cause: err,
        });
      }
    },
    stats() {
      return current;
    },
    async stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await Promise.allSettled([...pendingKeeps]);
        await poll();
        for (const id of addedPeering) await rpc('swarm/peering/rm', [id]).catch(() => {});
        addedPeering.clear();
        await options.onStop?.();
      })();
      return stopping;
    },
  };
}

class KuboRpcError extends Error {
  override name = 'KuboRpcError';
}

function kuboMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { Message?: unknown }).Message;
    if (typeof m === 'string') return m;
  } catch {
    // not JSON: show the start of it
  }
  return text.slice(0, 200);
}
