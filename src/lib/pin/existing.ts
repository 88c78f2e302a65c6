import { sameCid } from '../psa/same-cid.js';
import type { PinStatus } from '../psa/types.js';

/** The statuses that mean "this CID is already on its way": a re-run reuses such a pin. */
export const REUSABLE_STATUSES = ['queued', 'pinning', 'pinned'] as const;

// A Map, not an object: a status is the service's text, and `constructor` or `toString`
// must not find a rank on Object.prototype.
const RANK = new Map<string, number>([
  ['pinned', 0],
  ['pinning', 1],
  ['queued', 2],
]);

function createdMs(status: PinStatus): number {
  const ms = Date.parse(status.created);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/**
 * Picks the pin to reuse among the service's pins of our CID: pinned first, then
 * pinning, then queued; within a status the newest. Pins of another CID or with a
 * status we would not reuse (failed, unknown) are never picked.
 */
export function chooseExistingPin(candidates: Iterable<PinStatus>, cid: string): PinStatus | undefined {
  let best: PinStatus | undefined;
  for (const pin of candidates) {
    if (!sameCid(String(pin.pin?.cid), cid)) continue;
    const rank = RANK.get(pin.status);
    if (rank === undefined) continue;
    if (best === undefined) {
      best = pin;
      continue;
    }
    const bestRank = RANK.get(best.status) ?? Number.POSITIVE_INFINITY;
    if (rank < bestRank || (rank === bestRank && createdMs(pin) > createdMs(best))) best = pin;
  }
  return best;
}
