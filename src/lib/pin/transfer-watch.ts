import type { IpfsNode } from '../node/types.js';

/**
 * What the wait knows of the transfer to the services, from the embedded node's engine
 * events (wants heard, blocks sent): the wait's own bookkeeping, kept here and not in the
 * node. With a kubo node there are no events, only counters read now and then (`exact`
 * false): the wait then goes by the quiet rule alone.
 */
export interface TransferWatch {
  /** The node reports each block as it goes (the embedded node). */
  readonly exact: boolean;
  /** When the node last sent a block (ms since the epoch). */
  lastSentAt(): number | undefined;
  /** When a peer last sent the node a bitswap message: a fetcher cancels each want as its block lands. */
  lastHeardAt(): number | undefined;
  /** When a peer last came to have been sent every block the node holds. */
  completeAt(): number | undefined;
  stop(): void;
}

/** Blocks counted over all peers at most; past it no peer is ever called complete. */
export const MAX_TRACKED = 1_000_000;

export function watchTransfer(
  node: IpfsNode | undefined,
  options: { maxTracked?: number } = {},
): TransferWatch {
  if (node?.subscribe === undefined) {
    return {
      exact: false,
      lastSentAt: () => undefined,
      lastHeardAt: () => undefined,
      completeAt: () => undefined,
      stop: () => {},
    };
  }
  const maxTracked = options.maxTracked ?? MAX_TRACKED;
  // Per peer, the distinct blocks sent to it, by 48 bits of their digest (numbers, not
  // strings: a 45,000-block tree costs about 2 MB). Two blocks sharing those bits would
  // make a peer complete one block early: an early poll, no harm. A peer's set goes when
  // it disconnects (anyone can dial the node and ask), and the count over all peers is
  // bounded, so peers coming and going cannot grow it.
  const sentTo = new Map<string, Set<number>>();
  let tracked = 0;
  let lastSent: number | undefined;
  let lastHeard: number | undefined;
  let complete: number | undefined;
  let overflow = false;
  const unsubscribe = node.subscribe((event) => {
    if (event.type === 'bitswap:message:received') {
      lastHeard = event.detail.at;
      return;
    }
    if (event.type === 'bitswap:peer:gone') {
      tracked -= sentTo.get(event.detail.peer)?.size ?? 0;
      sentTo.delete(event.detail.peer);
      return;
    }
    if (event.type !== 'bitswap:block:sent') return;
    const { peer, cid, at } = event.detail;
    lastSent = at;
    if (overflow) return;
    let set = sentTo.get(peer);
    if (set === undefined) {
      set = new Set();
      sentTo.set(peer, set);
    }
    const before = set.size;
    set.add(keyOfDigest(cid.multihash.digest));
    tracked += set.size - before;
    if (tracked > maxTracked) {
      overflow = true;
      sentTo.clear();
      return;
    }
    const held = node.stats().blocksHeld ?? Number.POSITIVE_INFINITY;
    if (set.size > before && set.size >= held) complete = at;
  });
  return {
    exact: true,
    lastSentAt: () => lastSent,
    lastHeardAt: () => lastHeard,
    completeAt: () => (overflow ? undefined : complete),
    stop: () => {
      unsubscribe();
      sentTo.clear();
    },
  };
}

/** The first 6 bytes of a digest as a number (48 bits). */
export function keyOfDigest(digest: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < 6; i++) n = n * 256 + (digest[i] ?? 0);
  return n;
}
