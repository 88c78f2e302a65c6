import fc from 'fast-check';
import { base64 } from 'multiformats/bases/base64';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { createServedCoverage, keyOfBase64, keyOfBytes } from '../../src/lib/node/served-coverage.js';

async function blocks(n: number): Promise<CID[]> {
  const out: CID[] = [];
  for (let i = 0; i < n; i++)
    out.push(CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`block ${i}`))));
  return out;
}

/** How @helia/bitswap keys the blocks of a message it sends. */
const bitswapKey = (cid: CID): string => base64.encode(cid.multihash.bytes);

describe('served coverage keys', () => {
  it("reads the same 48 bits from bitswap's base64 key as from the multihash bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 34, maxLength: 34 }), (digest) => {
        const mh = new Uint8Array([0x12, 0x20, ...digest.subarray(2)]);
        expect(keyOfBase64(base64.encode(mh))).toBe(keyOfBytes(mh));
      }),
    );
  });

  it('rejects keys that are not multibase base64 text', () => {
    expect(keyOfBase64('zQmShort')).toBeUndefined();
    expect(keyOfBase64('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')).toBeUndefined();
    expect(keyOfBase64('m!!!!!!!!!!!!!!!!')).toBeUndefined();
  });
});

describe('createServedCoverage', () => {
  it('says when one peer has been sent every block held, not before', async () => {
    let t = 1_000;
    const coverage = createServedCoverage({ now: () => t });
    const cids = await blocks(5);
    expect(cids.map((c) => coverage.stored(c))).toEqual([true, true, true, true, true]);
    coverage.sent('peer-a', cids.slice(0, 4).map(bitswapKey));
    expect(coverage.completeAt()).toBeUndefined();
    t = 2_000;
    coverage.sent('peer-a', [bitswapKey(cids[4]!)]);
    expect(coverage.completeAt()).toBe(2_000);
  });

  it('does not add up what different peers got', async () => {
    const coverage = createServedCoverage();
    const cids = await blocks(4);
    cids.forEach((c) => coverage.stored(c));
    coverage.sent('peer-a', cids.slice(0, 2).map(bitswapKey));
    coverage.sent('peer-b', cids.slice(2).map(bitswapKey));
    expect(coverage.completeAt()).toBeUndefined();
  });

  it('counts a block stored twice once, and a block sent twice once', async () => {
    const coverage = createServedCoverage();
    const cids = await blocks(3);
    cids.forEach((c) => coverage.stored(c));
    expect(coverage.stored(cids[0]!)).toBe(false);
    coverage.sent('peer-a', [bitswapKey(cids[0]!), bitswapKey(cids[0]!), bitswapKey(cids[1]!)]);
    expect(coverage.completeAt()).toBeUndefined();
    coverage.sent('peer-a', [bitswapKey(cids[2]!)]);
    expect(coverage.completeAt()).toBeDefined();
  });

  it('ignores blocks it does not hold and keys it cannot read', async () => {
    const coverage = createServedCoverage();
    const [held, other] = await blocks(2);
    coverage.stored(held!);
    coverage.sent('peer-a', [bitswapKey(other!), 'not-a-key']);
    expect(coverage.completeAt()).toBeUndefined();
  });

  it('never says complete once it holds more blocks than it counts', async () => {
    const coverage = createServedCoverage({ maxTracked: 2 });
    const cids = await blocks(3);
    expect(cids.map((c) => coverage.stored(c))).toEqual([true, true, true]);
    coverage.sent('peer-a', cids.map(bitswapKey));
    expect(coverage.completeAt()).toBeUndefined();
  });
});
