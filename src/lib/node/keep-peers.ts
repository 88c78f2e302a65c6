import { KEEP_ALIVE } from '@libp2p/interface';
import type { PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { CID } from 'multiformats/cid';
import type { Host } from './host.js';

/** How often kept peers that libp2p gave up re-dialling are dialled again. */
const KEEP_CHECK_MS = 10_000;
const KEEP_TAG = `${KEEP_ALIVE}-ipfs-pin`;

export interface KeptPeers {
  /** Keeps a peer connected at these addresses; `announce` is sent to it on every connection. */
  keep(peer: PeerId, addrs: Multiaddr[], announce: CID[]): Promise<void>;
  /** Whether a peer is kept. */
  has(peer: string): boolean;
  stop(): void;
}

export interface KeptPeersOptions {
  dialTimeoutMs: number;
  /** A kept peer is connected (the first time, or again): say what we hold. */
  onConnected: (peer: PeerId, announce: CID[]) => void;
  /** Each peer that disconnects; `kept` peers also get `onReconnected` when they are back. */
  onDisconnected: (peer: string) => void;
  onReconnected: (peer: string) => void;
}

/**
 * The delegates a pin is fetched by stay connected until the node stops. Each is tagged
 * keep-alive in the peer store, so libp2p re-dials it a few times with backoff when it
 * hangs up; past that, a timer here dials it again every {@link KEEP_CHECK_MS}, for a
 * service that is down longer. State is per kept peer only, dropped at stop.
 */
export function keepPeers(host: Host, options: KeptPeersOptions): KeptPeers {
  const kept = new Map<string, { peer: PeerId; addrs: Multiaddr[]; announce: CID[] }>();
  // Kept peers that hung up, so that their next connection is told as a reconnect.
  const lost = new Set<string>();
  const pending = new Set<Promise<unknown>>();

  const track = (p: Promise<unknown>): void => {
    const q = p.catch(() => {}).finally(() => pending.delete(q));
    pending.add(q);
  };

  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString();
    if (kept.has(id)) lost.add(id);
    options.onDisconnected(id);
  };
  const onConnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString();
    if (lost.delete(id)) options.onReconnected(id);
    const entry = kept.get(id);
    if (entry !== undefined) options.onConnected(entry.peer, entry.announce);
  };
  host.addEventListener('peer:disconnect', onDisconnect);
  host.addEventListener('peer:connect', onConnect);

  const timer = setInterval(() => {
    for (const { peer } of kept.values()) {
      if (host.getConnections(peer).length > 0) continue;
      track(host.dial(peer, { signal: AbortSignal.timeout(options.dialTimeoutMs) }));
    }
  }, KEEP_CHECK_MS);
  timer.unref();

  return {
    async keep(peer, addrs, announce) {
      const id = peer.toString();
      const entry = kept.get(id) ?? { peer, addrs: [], announce: [] };
      for (const a of addrs) if (!entry.addrs.some((b) => b.equals(a))) entry.addrs.push(a);
      for (const c of announce) if (!entry.announce.some((d) => d.equals(c))) entry.announce.push(c);
      const fresh = !kept.has(id);
      kept.set(id, entry);
      await host.peerStore.merge(peer, { multiaddrs: entry.addrs, tags: { [KEEP_TAG]: { value: 1 } } });
      // Connected already (the dial that led here): announce now; later connections do on connect.
      if (host.getConnections(peer).length > 0 && (fresh || announce.length > 0))
        options.onConnected(peer, entry.announce);
    },
    has: (id) => kept.has(id),
    stop() {
      clearInterval(timer);
      host.removeEventListener('peer:disconnect', onDisconnect);
      host.removeEventListener('peer:connect', onConnect);
      kept.clear();
      lost.clear();
    },
  };
}
