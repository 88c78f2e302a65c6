import type { PinStatus } from '../psa/types.js';

/**
 * Which pins `replace` removes: same name (the caller lists by exact name), not our own
 * request, and created before `before`. Pins created later are left alone: they may come
 * from a newer deploy running at the same time, and removing them would undo it.
 * A pin of the same CID under another requestid is an older deploy of the same content
 * and goes too (ours keeps the data pinned).
 */
export function pinsToReplace(
  candidates: Iterable<PinStatus>,
  keep: { requestid: string; name: string; before: Date },
): PinStatus[] {
  const cutoff = keep.before.getTime();
  const out: PinStatus[] = [];
  const seen = new Set<string>();
  for (const pin of candidates) {
    if (pin.requestid === keep.requestid || seen.has(pin.requestid)) continue;
    // Services with only partial matching may hand back near misses: check the name ourselves.
    if (pin.pin?.name !== keep.name) continue;
    const created = Date.parse(pin.created);
    if (Number.isNaN(created) || created >= cutoff) continue;
    seen.add(pin.requestid);
    out.push(pin);
  }
  return out;
}
