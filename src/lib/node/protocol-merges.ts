import type { Peer, PeerData, PeerId, PeerStore } from '@libp2p/interface';

/**
 * How long a peer's record is trusted to still list a protocol without writing it again.
 * A real merge inside this window also refreshes the record's `updated` time, which the
 * peer store ages peers out by (an hour by default): well inside that.
 */
const REFRESH_MS = 10_000;

interface Known {
  protocols: Set<string>;
  at: number;
  peer: Peer;
}

/**
 * Skips the peer-store write libp2p makes for every stream it negotiates.
 *
 * Before handing a negotiated stream to its handler (and before returning an outgoing
 * one), libp2p awaits `peerStore.merge(peer, { protocols: [protocol] })`: a write lock, a
 * datastore read, two protobuf decodes, an encode and a datastore write, all of it on the
 * path of each incoming bitswap want (@helia/bitswap sends every message on a stream of its
 * own). When the record already lists the protocol (written by a merge under
 * {@link REFRESH_MS} ago, nothing has patched, saved or deleted that peer since), this
 * answers with that merge's result instead. Any other write passes through and forgets
 * what was known of the peer. Returns `restore`, which puts the original methods back, and
 * `skipped`, how many merges were answered without a write (the canary: 0 after a served
 * DAG means libp2p no longer merges per stream, or no longer through `peerStore.merge`).
 */
export function skipKnownProtocolMerges(peerStore: PeerStore): {
  restore: () => void;
  skipped: () => number;
} {
  const original = {
    merge: peerStore.merge,
    patch: peerStore.patch,
    save: peerStore.save,
    delete: peerStore.delete,
    consumePeerRecord: peerStore.consumePeerRecord,
  };
  const known = new Map<string, Known>();
  // Bumped by every other write: a merge that finished across one does not record its result.
  let generation = 0;
  let skipped = 0;
  const forget = (peer: PeerId): void => {
    generation++;
    known.delete(peer.toString());
  };

  peerStore.merge = async (
    peer: PeerId,
    data: PeerData,
    options?: Parameters<PeerStore['merge']>[2],
  ): Promise<Peer> => {
    const key = peer.toString();
    const protocols = onlyProtocols(data);
    const k = known.get(key);
    if (
      protocols !== undefined &&
      k !== undefined &&
      Date.now() - k.at < REFRESH_MS &&
      protocols.every((p) => k.protocols.has(p))
    ) {
      skipped++;
      return k.peer;
    }
    known.delete(key);
    const before = generation;
    const merged = await original.merge.call(peerStore, peer, data, options);
    if (generation === before)
      known.set(key, { protocols: new Set(merged.protocols), at: Date.now(), peer: merged });
    return merged;
  };
  peerStore.patch = async (peer, data, options) => {
    forget(peer);
    return original.patch.call(peerStore, peer, data, options);
  };
  peerStore.save = async (peer, data, options) => {
    forget(peer);
    return original.save.call(peerStore, peer, data, options);
  };
  peerStore.delete = async (peer, options) => {
    forget(peer);
    return original.delete.call(peerStore, peer, options);
  };
  // A consumed record patches a peer we only learn from inside it: forget them all.
  peerStore.consumePeerRecord = async (...args: unknown[]) => {
    generation++;
    known.clear();
    return (original.consumePeerRecord as (...a: unknown[]) => Promise<boolean>).apply(peerStore, args);
  };

  return {
    restore: () => {
      Object.assign(peerStore, original);
      known.clear();
    },
    skipped: () => skipped,
  };
}

/** The protocols of a merge that adds protocols and nothing else, else undefined. */
function onlyProtocols(data: PeerData): string[] | undefined {
  const keys = Object.keys(data).filter((k) => (data as Record<string, unknown>)[k] !== undefined);
  if (keys.length !== 1 || keys[0] !== 'protocols' || data.protocols === undefined) return undefined;
  return data.protocols;
}
