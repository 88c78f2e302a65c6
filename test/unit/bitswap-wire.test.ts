// The bitswap codec against messages kubo 0.42 sent (test/fixtures/bitswap/kubo.json, made by
// scripts/capture-bitswap.ts): what kubo says decodes as kubo meant it, and what we encode is
// byte for byte what kubo writes for the same content.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { Uint8ArrayList } from 'uint8arraylist';
import { describe, expect, it } from 'vitest';
import { prefixOf } from '../../src/lib/node/bitswap/engine.js';
import {
  PRESENCE_DONT_HAVE,
  PRESENCE_HAVE,
  WANT_BLOCK,
  WANT_HAVE,
  WireError,
  blockWireSize,
  createFrameReader,
  decodeMessage,
  encodeMessage,
} from '../../src/lib/node/bitswap/wire.js';

interface Fixture {
  kubo: string;
  blocks: Record<string, { cid: string; hex?: string; bytes?: number }>;
  frames: { name: string; hex: string }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/bitswap/kubo.json', import.meta.url), 'utf8'),
) as Fixture;
const frame = (name: string): Uint8Array => {
  const f = fixture.frames.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no frame ${name} in the fixture`);
  return Uint8Array.from(Buffer.from(f.hex, 'hex'));
};
const cidOf = (name: string): CID => CID.parse(fixture.blocks[name]?.cid ?? '');
const bytesOf = (name: string): Uint8Array =>
  Uint8Array.from(Buffer.from(fixture.blocks[name]?.hex ?? '', 'hex'));
/** The message body of an encoded message (its length prefix removed). */
const body = (list: Uint8ArrayList): Uint8Array => {
  const all = list.subarray();
  const reader = createFrameReader(1 << 22);
  const [only, ...rest] = reader.push(all);
  expect(rest).toHaveLength(0);
  return only as Uint8Array;
};

describe('decoding what kubo sends', () => {
  it('was captured from kubo 0.42', () => {
    expect(fixture.kubo).toMatch(/^0\.42\./);
    expect(fixture.frames.map((f) => f.name)).toEqual(
      expect.arrayContaining(['kubo-want-have', 'kubo-want-block', 'kubo-cancel', 'kubo-answer-0']),
    );
  });

  it("kubo's broadcast: a want-have of the block, at the top priority", () => {
    const m = decodeMessage(frame('kubo-want-have'));
    expect(m.blocks).toEqual([]);
    expect(m.wantlist?.full).toBe(false);
    expect(m.wantlist?.entries).toHaveLength(1);
    const e = m.wantlist!.entries[0]!;
    expect(CID.decode(e.cid).equals(cidOf('served'))).toBe(true);
    expect(e).toMatchObject({ wantType: WANT_HAVE, cancel: false, priority: 2 ** 31 - 1 });
  });

  it('its want-block after our HAVE asks for a DONT_HAVE if we lack it', () => {
    const e = decodeMessage(frame('kubo-want-block')).wantlist!.entries[0]!;
    expect(CID.decode(e.cid).equals(cidOf('served'))).toBe(true);
    expect(e).toMatchObject({
      wantType: WANT_BLOCK,
      cancel: false,
      sendDontHave: true,
      priority: 2 ** 31 - 2,
    });
  });

  it('and its cancel once the block landed', () => {
    const e = decodeMessage(frame('kubo-cancel')).wantlist!.entries[0]!;
    expect(CID.decode(e.cid).equals(cidOf('served'))).toBe(true);
    expect(e.cancel).toBe(true);
  });

  it("kubo's answers: a block with its CID prefix, a HAVE and a DONT_HAVE", async () => {
    const m = decodeMessage(frame('kubo-answer-0'));
    expect(m.blocks).toHaveLength(1);
    const b = m.blocks[0]!;
    expect(Buffer.from(b.prefix)).toEqual(Buffer.from(prefixOf(cidOf('small'))));
    expect(Buffer.from(b.data)).toEqual(Buffer.from(bytesOf('small')));
    // The receiver's side of it: prefix + hash of the data give the CID back.
    expect(CID.createV1(0x55, await sha256.digest(b.data)).equals(cidOf('small'))).toBe(true);
    const presences = m.presences.map((p) => ({ cid: CID.decode(p.cid).toString(), type: p.type }));
    expect(presences).toEqual([
      { cid: cidOf('big').toString(), type: PRESENCE_HAVE },
      { cid: cidOf('missing').toString(), type: PRESENCE_DONT_HAVE },
    ]);
  });
});

describe('encoding as kubo does', () => {
  it("a block and two presences: kubo's bytes, less the empty wantlist kubo always writes", () => {
    const ours = body(
      encodeMessage({
        blocks: [{ prefix: prefixOf(cidOf('small')), data: bytesOf('small') }],
        presences: [
          { cid: cidOf('big').bytes, type: PRESENCE_HAVE },
          { cid: cidOf('missing').bytes, type: PRESENCE_DONT_HAVE },
        ],
      }),
    );
    const kubo = frame('kubo-answer-0');
    expect(Buffer.from(kubo.subarray(0, 2)).toString('hex')).toBe('0a00');
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(kubo.subarray(2)).toString('hex'));
  });

  it("kubo's want-block, byte for byte (the codec the tests' peers use)", () => {
    const ours = body(
      encodeMessage({
        blocks: [],
        presences: [],
        wantlist: {
          full: false,
          entries: [
            {
              cid: cidOf('served').bytes,
              priority: 2 ** 31 - 2,
              cancel: false,
              wantType: WANT_BLOCK,
              sendDontHave: true,
            },
          ],
        },
      }),
    );
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(frame('kubo-want-block')).toString('hex'));
  });

  it('1.0.0 blocks are the bare data in field 2', () => {
    const data = Uint8Array.from([1, 2, 3]);
    const m = decodeMessage(
      body(encodeMessage({ blocks: [{ prefix: new Uint8Array(0), data }], presences: [] }, { legacy: true })),
    );
    expect(m.blocks).toEqual([{ prefix: new Uint8Array(0), data }]);
  });

  it('blockWireSize is the bytes a block adds to a message', () => {
    for (const n of [0, 1, 127, 128, 16_383, 16_384, 1 << 20]) {
      const prefix = prefixOf(cidOf('small'));
      const withBlock = body(encodeMessage({ blocks: [{ prefix, data: new Uint8Array(n) }], presences: [] }));
      expect(withBlock.byteLength).toBe(blockWireSize(prefix.byteLength, n));
    }
  });

  it('a CIDv0 prefix is version 0, dag-pb, sha2-256, 32', () => {
    const v0 = CID.parse('QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n');
    expect(Buffer.from(prefixOf(v0)).toString('hex')).toBe('00701220');
  });
});

describe('reading messages off a stream', () => {
  const messages = fixture.frames.map((f) => Uint8Array.from(Buffer.from(f.hex, 'hex')));
  const stream = (): Uint8Array => {
    const list = new Uint8ArrayList();
    for (const m of messages) {
      const len = [];
      let n = m.byteLength;
      while (n >= 0x80) {
        len.push((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      len.push(n);
      list.append(Uint8Array.from(len), m);
    }
    return list.subarray();
  };

  it('gives the same messages however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 400 }), { maxLength: 20 }), (cuts) => {
        const all = stream();
        const points = [...new Set(cuts.map((c) => c % (all.byteLength + 1)))].sort((a, b) => a - b);
        const reader = createFrameReader(1 << 22);
        const got: Uint8Array[] = [];
        let at = 0;
        for (const p of [...points, all.byteLength]) {
          got.push(...reader.push(all.subarray(at, p)));
          at = p;
        }
        expect(got.map((g) => Buffer.from(g).toString('hex'))).toEqual(
          messages.map((m) => Buffer.from(m).toString('hex')),
        );
        expect(reader.buffered()).toBe(0);
      }),
    );
  });

  it('refuses a declared length over the limit before buffering it', () => {
    const reader = createFrameReader(1024);
    // 2^32: five varint bytes, then nothing else needed.
    expect(() => reader.push(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x10]))).toThrow(WireError);
  });
});

describe('hostile bytes', () => {
  it('decode throws WireError or returns, for any input, and never reads past the buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(WireError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a length that runs past the message, a truncated varint, a group wire type', () => {
    expect(() => decodeMessage(Uint8Array.from([0x0a, 0x05, 0x01]))).toThrow(/runs past/);
    expect(() => decodeMessage(Uint8Array.from([0x28, 0x80]))).toThrow(/truncated/);
    expect(() => decodeMessage(Uint8Array.from([0x0b]))).toThrow(/wire type 3/);
  });

  it('a negative int32 priority (sent as ten bytes) decodes as the negative number', () => {
    const cid = cidOf('small').bytes;
    // Entry { block, priority: -5 }
    const entry = Uint8Array.from([
      0x0a,
      cid.byteLength,
      ...cid,
      0x10,
      0xfb,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0x01,
    ]);
    const msg = Uint8Array.from([0x0a, entry.byteLength + 2, 0x0a, entry.byteLength, ...entry]);
    expect(decodeMessage(msg).wantlist?.entries[0]?.priority).toBe(-5);
  });
});
