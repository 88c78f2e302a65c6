// The CAR reader verify streams a gateway's answer through: what it refuses, and that it
// refuses before buffering (a declared length is checked before a byte of it is read).
import { CarWriter } from '@ipld/car/writer';
import { varint } from 'multiformats';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { MAX_BLOCK_BYTES, readBoundedCar } from '../../src/lib/pin/bounded-car.js';

async function rawBlock(text: string): Promise<{ cid: CID; bytes: Uint8Array }> {
  const bytes = new TextEncoder().encode(text);
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes };
}

async function carBytes(roots: CID[], blocks: { cid: CID; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots);
  const parts: Uint8Array[] = [];
  const collect = (async () => {
    for await (const p of out) parts.push(p);
  })();
  for (const b of blocks) await writer.put(b);
  await writer.close();
  await collect;
  return Buffer.concat(parts);
}

const encode = (n: number): Uint8Array => varint.encodeTo(n, new Uint8Array(varint.encodingLength(n)));

/** `first`, then chunks of zeros for ever; counts what was pulled. */
function endless(first: Uint8Array, pulled: { bytes: number; returned: boolean }): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      let sentFirst = false;
      const zeros = new Uint8Array(64 * 1024);
      return {
        next() {
          const value = sentFirst ? zeros : first;
          sentFirst = true;
          pulled.bytes += value.byteLength;
          return Promise.resolve({ done: false as const, value });
        },
        return() {
          pulled.returned = true;
          return Promise.resolve({ done: true as const, value: undefined });
        },
      };
    },
  };
}

/** The bytes in chunks of `size` (a slow network splits everything). */
async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
}

async function drain(source: AsyncIterable<Uint8Array>, maxBytes = 1 << 30): Promise<string[]> {
  const car = await readBoundedCar(source, { maxBytes });
  const cids: string[] = [];
  try {
    for await (const b of car.blocks) cids.push(b.cid.toString());
  } finally {
    await car.close();
  }
  return cids;
}

describe('readBoundedCar', () => {
  it('reads header and blocks, split at any byte', async () => {
    const a = await rawBlock('a');
    const b = await rawBlock('bb');
    const bytes = await carBytes([a.cid], [a, b]);
    for (const size of [1, 3, 7, bytes.byteLength]) {
      const car = await readBoundedCar(chunks(bytes, size), { maxBytes: bytes.byteLength });
      expect(car.version).toBe(1);
      expect(car.roots.map(String)).toEqual([a.cid.toString()]);
      const got: string[] = [];
      for await (const block of car.blocks) got.push(new TextDecoder().decode(block.bytes));
      expect(got).toEqual(['a', 'bb']);
      expect(car.bytesRead).toBe(bytes.byteLength);
    }
  });

  it('refuses a section declaring 4 GiB before buffering it, and stops reading the source', async () => {
    const a = await rawBlock('a');
    const header = await carBytes([a.cid], []);
    const pulled = { bytes: 0, returned: false };
    const err = await drain(endless(Buffer.concat([header, encode(2 ** 32)]), pulled)).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toBe(
      "the gateway's CAR declared a 4.0 GiB section; at most 2.0 MiB + CID is allowed",
    );
    // Nothing past the length was read: the first chunk held it all.
    expect(pulled.bytes).toBe(header.byteLength + 5);
    expect(pulled.returned).toBe(true);
  });

  it('takes a section of exactly 2 MiB + a CID, and refuses one byte more', async () => {
    const big = new Uint8Array(MAX_BLOCK_BYTES);
    const block = { cid: CID.createV1(raw.code, await sha256.digest(big)), bytes: big };
    expect(await drain(chunks(await carBytes([block.cid], [block]), 65536))).toEqual([block.cid.toString()]);
    const over = new Uint8Array(MAX_BLOCK_BYTES + 1);
    const overBlock = { cid: CID.createV1(raw.code, await sha256.digest(over)), bytes: over };
    await expect(drain(chunks(await carBytes([overBlock.cid], [overBlock]), 65536))).rejects.toThrow(
      /holds a 2\.0 MiB block .*; at most 2\.0 MiB is allowed/,
    );
  });

  it('refuses an answer over maxBytes while it streams', async () => {
    const a = await rawBlock('a');
    const header = await carBytes([a.cid], []);
    const pulled = { bytes: 0, returned: false };
    // Endless sections of zeros: each declares 1000 bytes; the answer outgrows 1 MiB.
    const sections = Buffer.concat(
      Array.from({ length: 100 }, () =>
        Buffer.concat([
          encode(1000),
          Buffer.from(a.cid.bytes),
          new Uint8Array(1000 - a.cid.bytes.byteLength),
        ]),
      ),
    );
    const source: AsyncIterable<Uint8Array> = {
      async *[Symbol.asyncIterator]() {
        yield header;
        for (;;) {
          pulled.bytes += sections.byteLength;
          yield sections;
        }
      },
    };
    await expect(drain(source, 1024 * 1024)).rejects.toThrow(/CAR is larger than 1\.0 MiB/);
    expect(pulled.bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it('refuses a huge header, an empty body, a cut-off block, and bytes that are no CAR', async () => {
    const pulled = { bytes: 0, returned: false };
    await expect(drain(endless(encode(1 << 20), pulled))).rejects.toThrow(
      /declared a 1\.0 MiB header; at most 4\.0 KiB is allowed/,
    );
    await expect(drain(chunks(new Uint8Array(0), 1))).rejects.toThrow(/empty body, not a CAR/);
    const a = await rawBlock('hello');
    const whole = await carBytes([a.cid], [a]);
    await expect(drain(chunks(whole.subarray(0, whole.byteLength - 2), 4))).rejects.toThrow(
      /ended inside a block/,
    );
    await expect(drain(chunks(new TextEncoder().encode('<html>not found</html>'), 8))).rejects.toThrow(
      /does not start with a CAR header|declared/,
    );
  });
});
