// A peer's wantlist as the engine serves it, fed with the entries kubo sends (the captured
// want-have, want-block and cancel of test/fixtures/bitswap/kubo.json) and with made-up ones.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { keyOf } from '../../src/lib/node/block-store.js';
import { createLedger } from '../../src/lib/node/bitswap/ledger.js';
import type { LedgerEntry } from '../../src/lib/node/bitswap/ledger.js';
import { WANT_HAVE, decodeMessage } from '../../src/lib/node/bitswap/wire.js';

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/bitswap/kubo.json', import.meta.url), 'utf8'),
) as {
  frames: { name: string; hex: string }[];
};

/** A kubo message's wantlist as ledger entries (what the engine does with it). */
function entriesOf(name: string): LedgerEntry[] {
  const hex = fixture.frames.find((f) => f.name === name)?.hex ?? '';
  return (decodeMessage(Uint8Array.from(Buffer.from(hex, 'hex'))).wantlist?.entries ?? []).map((e) => {
    const cid = CID.decode(e.cid);
    return {
      key: keyOf(cid),
      cid,
      priority: e.priority,
      type: e.wantType === WANT_HAVE ? 'have' : 'block',
      sendDontHave: e.sendDontHave,
      cancel: e.cancel,
    } as const;
  });
}

async function cidN(n: number): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(Uint8Array.from([n & 0xff, n >> 8])));
}

async function want(
  n: number,
  priority: number,
  type: 'block' | 'have' = 'block',
  cancel = false,
): Promise<LedgerEntry> {
  const cid = await cidN(n);
  return { key: keyOf(cid), cid, priority, type, sendDontHave: false, cancel };
}

describe('ledger', () => {
  it("kubo's sequence: want-have, then want-block of the same block, then cancel", () => {
    const l = createLedger();
    expect(l.apply(entriesOf('kubo-want-have'), false)).toBe(1);
    expect(l.peek()?.type).toBe('have');
    expect(l.apply(entriesOf('kubo-want-block'), false)).toBe(1);
    expect(l.size).toBe(1);
    expect(l.peek()).toMatchObject({ type: 'block', sendDontHave: true });
    l.apply(entriesOf('kubo-cancel'), false);
    expect(l.size).toBe(0);
    expect(l.take()).toBeUndefined();
  });

  it('a want-have never downgrades a want-block', async () => {
    const l = createLedger();
    l.apply([await want(1, 5, 'block')], false);
    l.apply([await want(1, 5, 'have')], false);
    expect(l.take()?.type).toBe('block');
  });

  it('answers in priority order, first come first among equals', async () => {
    const l = createLedger();
    l.apply([await want(1, 1), await want(2, 9), await want(3, 5), await want(4, 9)], false);
    const order: number[] = [];
    for (let w = l.take(); w !== undefined; w = l.take())
      for (const n of [1, 2, 3, 4]) if (w.cid.equals(await cidN(n))) order.push(n);
    expect(order).toEqual([2, 4, 3, 1]);
  });

  it('a full wantlist replaces everything before it', async () => {
    const l = createLedger();
    l.apply([await want(1, 1), await want(2, 2)], false);
    l.apply([await want(3, 3)], true);
    expect(l.size).toBe(1);
    expect(l.take()?.cid.equals(await cidN(3))).toBe(true);
    expect(l.take()).toBeUndefined();
  });

  it('holds at most maxWants; more are ignored until room is made', async () => {
    const l = createLedger(3);
    l.apply([await want(1, 1), await want(2, 1), await want(3, 1), await want(4, 1)], false);
    expect(l.size).toBe(3);
    l.take();
    l.apply([await want(4, 1)], false);
    expect(l.size).toBe(3);
  });

  it('never hands out a cancelled or replaced want, whatever the sequence', async () => {
    const cids = await Promise.all([0, 1, 2, 3, 4, 5].map(cidN));
    const op = fc.record({
      n: fc.nat({ max: 5 }),
      priority: fc.integer({ min: -3, max: 3 }),
      type: fc.constantFrom('block' as const, 'have' as const),
      cancel: fc.boolean(),
      take: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const l = createLedger();
        // The model: what is wanted now, by block.
        const model = new Map<number, { priority: number; type: 'block' | 'have' }>();
        for (const o of ops) {
          if (o.take) {
            const w = l.take();
            if (w === undefined) {
              expect(model.size).toBe(0);
              continue;
            }
            const n = cids.findIndex((c) => c.equals(w.cid));
            const m = model.get(n);
            expect(m).toBeDefined();
            expect(w.type).toBe(m!.type);
            // Nothing wanted ranks above what was handed out.
            for (const other of model.values()) expect(other.priority).toBeLessThanOrEqual(w.priority);
            model.delete(n);
            continue;
          }
          const cid = cids[o.n]!;
          l.apply(
            [
              {
                key: keyOf(cid),
                cid,
                priority: o.priority,
                type: o.type,
                sendDontHave: false,
                cancel: o.cancel,
              },
            ],
            false,
          );
          if (o.cancel) model.delete(o.n);
          else {
            const held = model.get(o.n);
            model.set(o.n, { priority: o.priority, type: held?.type === 'block' ? 'block' : o.type });
          }
          expect(l.size).toBe(model.size);
        }
      }),
      { numRuns: 500 },
    );
  });
});
