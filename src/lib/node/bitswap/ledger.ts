import type { CID } from 'multiformats/cid';

export type WantType = 'block' | 'have';

export interface Want {
  /** The store's key of the block (its multihash). */
  key: string;
  cid: CID;
  priority: number;
  type: WantType;
  sendDontHave: boolean;
  /** Arrival order, the tie-break between equal priorities. */
  seq: number;
}

export interface LedgerEntry {
  key: string;
  cid: CID;
  priority: number;
  type: WantType;
  sendDontHave: boolean;
  cancel: boolean;
}

/**
 * One peer's wantlist as we serve it: what it asked for and has not cancelled or been
 * answered, taken in its priority order (highest first, then first come).
 *
 * A want-block replaces a want-have of the same block (the peer now wants the data, not
 * just to know); a want-have never downgrades a want-block. A full wantlist replaces
 * everything before it. Past `maxWants` entries new ones are ignored (boxo bounds a peer's
 * queued wants the same way); a fetcher re-sends its wants, so nothing is lost for good.
 */
export interface Ledger {
  /** Applies a message's entries; returns how many wants were added or changed. */
  apply(entries: Iterable<LedgerEntry>, full: boolean): number;
  /** The next want to answer, removed from the ledger. */
  take(): Want | undefined;
  /** The next want to answer, left in place. */
  peek(): Want | undefined;
  readonly size: number;
  clear(): void;
}

export const MAX_WANTS_PER_PEER = 8192;

export function createLedger(maxWants = MAX_WANTS_PER_PEER): Ledger {
  const wants = new Map<string, Want>();
  // A binary heap of wants; an entry no longer in `wants` (cancelled, replaced, taken) is
  // stale and skipped when it comes to the top.
  const heap: Want[] = [];
  let seq = 0;

  const before = (a: Want, b: Want): boolean =>
    a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;

  const push = (w: Want): void => {
    heap.push(w);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Want, heap[parent] as Want)) break;
      [heap[i], heap[parent]] = [heap[parent] as Want, heap[i] as Want];
      i = parent;
    }
  };

  const pop = (): Want | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Want, heap[m] as Want)) m = l;
        if (r < heap.length && before(heap[r] as Want, heap[m] as Want)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Want, heap[i] as Want];
        i = m;
      }
    }
    return top;
  };

  const live = (w: Want | undefined): boolean => w !== undefined && wants.get(w.key) === w;

  const dropStale = (): void => {
    while (heap.length > 0 && !live(heap[0])) pop();
    // The heap only holds stale wants past a point: rebuild it so it stays bounded.
    if (heap.length > 4 * Math.max(wants.size, 256)) {
      heap.length = 0;
      for (const w of wants.values()) push(w);
    }
  };

  return {
    apply(entries, full) {
      if (full) wants.clear();
      let changed = 0;
      for (const e of entries) {
        const held = wants.get(e.key);
        if (e.cancel) {
          if (held !== undefined) wants.delete(e.key);
          continue;
        }
        if (held !== undefined) {
          const type = held.type === 'block' ? 'block' : e.type;
          if (type === held.type && e.priority === held.priority && e.sendDontHave === held.sendDontHave)
            continue;
          const next: Want = { ...held, type, priority: e.priority, sendDontHave: e.sendDontHave };
          wants.set(e.key, next);
          push(next);
          changed++;
          continue;
        }
        if (wants.size >= maxWants) continue;
        const w: Want = {
          key: e.key,
          cid: e.cid,
          priority: e.priority,
          type: e.type,
          sendDontHave: e.sendDontHave,
          seq: seq++,
        };
        wants.set(e.key, w);
        push(w);
        changed++;
      }
      if (full) {
        heap.length = 0;
        for (const w of wants.values()) push(w);
      }
      dropStale();
      return changed;
    },
    take() {
      dropStale();
      const w = pop();
      if (w === undefined) return undefined;
      wants.delete(w.key);
      dropStale();
      return w;
    },
    peek() {
      dropStale();
      return heap[0];
    },
    get size() {
      return wants.size;
    },
    clear() {
      wants.clear();
      heap.length = 0;
    },
  };
}
