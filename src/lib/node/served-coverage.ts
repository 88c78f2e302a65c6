import type { CID } from 'multiformats/cid';

/**
 * Knows when a peer has been sent every block this node holds, so the wait can ask the
 * service at once instead of after a stretch of silence.
 *
 * A pinning service fetching a DAG from our node asks for each block once; when the last
 * distinct one has gone to it, it holds the whole DAG (the node only holds what was
 * imported into it) and is about to report `pinned`. Before this the wait could only
 * guess from silence (300 ms of it), which was most of the time between the last block
 * and the `pinned` a small site waits for. A peer that got some blocks elsewhere, or had
 * them, never completes: then the silence rule still applies.
 *
 * Blocks are counted by 48 bits of their hash (bytes 3 to 8 of the multihash: the digest,
 * after sha256's two-byte prefix), as numbers rather than strings, so a 45,000-block tree
 * costs about 2 MB per set. Two blocks sharing those bits would make a peer complete one
 * block early (an early poll, no harm); with a million blocks the odds are one in 500.
 * `stored` answering false is therefore only a hint that a block may be held: the import
 * sink checks the store for the exact CID before it skips a write (import-sink.ts).
 * Past {@link MAX_TRACKED} blocks it stops counting and never says complete.
 */
export interface ServedCoverage {
  /** Records a block the node now holds: true when it is new, false when held already. */
  stored(cid: CID): boolean;
  /** Records blocks sent to a peer, by @helia/bitswap's keys (multibase base64 of the multihash). */
  sent(peer: string, keys: Iterable<string>): void;
  /** When a peer last came to have been sent every block held (ms since the epoch). */
  completeAt(): number | undefined;
}

export const MAX_TRACKED = 1_000_000;

export interface ServedCoverageOptions {
  /** Clock (ms since the epoch). Default Date.now. */
  now?: () => number;
  /** The key of a block's multihash. Default {@link keyOfBytes}; tests force collisions with it. */
  keyOf?: (multihash: Uint8Array) => number;
  /** Blocks counted at most. Default {@link MAX_TRACKED}. */
  maxTracked?: number;
}

export function createServedCoverage(options: ServedCoverageOptions = {}): ServedCoverage {
  const now = options.now ?? Date.now;
  const maxTracked = options.maxTracked ?? MAX_TRACKED;
  const keyOf = options.keyOf ?? keyOfBytes;
  const held = new Set<number>();
  const sentTo = new Map<string, Set<number>>();
  let overflow = false;
  let completeAt: number | undefined;
  return {
    stored(cid) {
      const key = keyOf(cid.multihash.bytes);
      if (held.has(key)) return false;
      if (held.size >= maxTracked) {
        overflow = true;
        sentTo.clear();
        return true;
      }
      held.add(key);
      return true;
    },
    sent(peer, keys) {
      if (overflow || held.size === 0) return;
      let set = sentTo.get(peer);
      if (set === undefined) {
        set = new Set();
        sentTo.set(peer, set);
      }
      const before = set.size;
      for (const k of keys) {
        const key = keyOfBase64(k);
        if (key !== undefined && held.has(key)) set.add(key);
      }
      if (set.size > before && set.size >= held.size) completeAt = now();
    },
    completeAt: () => (overflow ? undefined : completeAt),
  };
}

/** Bytes 3..8 of a multihash as a number (48 bits). */
export function keyOfBytes(mh: Uint8Array): number {
  let n = 0;
  for (let i = 3; i < 9; i++) n = n * 256 + (mh[i] ?? 0);
  return n;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SEXTET = new Int8Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) SEXTET[B64.charCodeAt(i)] = i;

/**
 * The same 48 bits read straight from the multibase base64 text of the multihash
 * (`m` then base64, how @helia/bitswap keys the blocks of a message): after the `m`,
 * characters 4 to 11 encode bytes 3 to 8 (every four characters are three bytes).
 * Undefined when the key is not such text.
 */
export function keyOfBase64(key: string): number | undefined {
  if (key.length < 13 || key.charCodeAt(0) !== 0x6d) return undefined;
  let n = 0;
  for (let i = 5; i < 13; i++) {
    const c = key.charCodeAt(i);
    const v = c < 128 ? (SEXTET[c] ?? -1) : -1;
    if (v < 0) return undefined;
    n = n * 64 + v;
  }
  return n;
}
