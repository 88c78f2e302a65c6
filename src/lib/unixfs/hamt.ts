// A HAMT-sharded UnixFS directory built from its final links, laid out as kubo (boxo's
// go-unixfs `hamt`) lays it out, so that the CIDs match: the same bucket positions, labels,
// bitfield and Tsize rules as ipfs-unixfs-importer 17.1.1's DirSharded, which matches kubo's.
// Written here rather than on hamt-sharding, whose flush needs its private `_children`.
import { encode, prepare } from '@ipld/dag-pb';
import { murmur3128 } from '@multiformats/murmur3';
import { UnixFS } from 'ipfs-unixfs';
import { persistDagPb } from './persist.js';
import type { Link } from './tree.js';
import type { PBLink } from '@ipld/dag-pb';
import type { WritableStorage } from 'ipfs-unixfs-importer';

/** murmur3-x64-64, the multicodec kubo writes in a shard's hashType. */
const MURMUR3_X64_64 = 0x22n;

export interface NamedLink extends Link {
  name: string;
}

interface Leaf {
  name: string;
  link: Link;
  hash: KeyHash;
}

interface Shard {
  children: (Shard | Leaf | undefined)[];
}

/**
 * The bits that place a name in the tree, read most significant first: the first 64 bits
 * of murmur3-x64-128 of the name (what go-unixfs uses), and past those, of the name with the
 * depth byte appended (1, 2, ...), as hamt-sharding's InfiniteHash extends it.
 */
class KeyHash {
  readonly #name: Uint8Array;
  readonly #chunks: Uint8Array[] = [];

  constructor(name: string) {
    this.#name = new TextEncoder().encode(name);
  }

  /** `count` bits (at most 10) starting at bit `offset`. */
  async bits(offset: number, count: number): Promise<number> {
    let value = 0;
    for (let i = offset; i < offset + count; i++) {
      const chunk = Math.floor(i / 64);
      while (this.#chunks.length <= chunk) {
        const depth = this.#chunks.length;
        const input = depth === 0 ? this.#name : Uint8Array.from([...this.#name, depth]);
        this.#chunks.push((await murmur3128.encode(input)).slice(0, 8));
      }
      const bit = i % 64;
      const byte = (this.#chunks[chunk] as Uint8Array)[bit >> 3] as number;
      value = (value << 1) | ((byte >> (7 - (bit & 7))) & 1);
    }
    return value;
  }
}

export async function buildHamt(
  links: readonly NamedLink[],
  fanout: number,
  cidVersion: 0 | 1,
  store: WritableStorage,
): Promise<Link> {
  const bits = Math.log2(fanout);
  if (!Number.isInteger(bits) || bits < 3 || bits > 10)
    throw new RangeError(`HAMT fanout must be a power of two, got ${fanout}`);
  const root: Shard = { children: new Array<Shard | Leaf | undefined>(fanout) };
  for (const link of links) {
    await insert(
      root,
      { name: link.name, link: { cid: link.cid, size: link.size }, hash: new KeyHash(link.name) },
      0,
      bits,
    );
  }
  return flush(root, fanout, cidVersion, store);
}

async function insert(shard: Shard, leaf: Leaf, depth: number, bits: number): Promise<void> {
  const pos = await leaf.hash.bits(depth * bits, bits);
  const here = shard.children[pos];
  if (here === undefined || (!('children' in here) && here.name === leaf.name)) {
    shard.children[pos] = leaf;
    return;
  }
  if ('children' in here) return insert(here, leaf, depth + 1, bits);
  // Two names share this slot: both go one level down, into a new shard.
  const sub: Shard = { children: new Array<Shard | Leaf | undefined>(shard.children.length) };
  shard.children[pos] = sub;
  await insert(sub, here, depth + 1, bits);
  await insert(sub, leaf, depth + 1, bits);
}

async function flush(shard: Shard, fanout: number, cidVersion: 0 | 1, store: WritableStorage): Promise<Link> {
  const padLength = (fanout - 1).toString(16).length;
  const links: PBLink[] = [];
  // go-unixfs's bitfield: big-endian, bit i set when slot i is taken.
  const bitfield = new Uint8Array(fanout / 8);
  let childrenSize = 0;
  for (let i = 0; i < fanout; i++) {
    const child = shard.children[i];
    if (child === undefined) continue;
    bitfield[bitfield.length - 1 - (i >> 3)] =
      (bitfield[bitfield.length - 1 - (i >> 3)] as number) | (1 << (i & 7));
    const label = i.toString(16).toUpperCase().padStart(padLength, '0');
    if ('children' in child) {
      const sub = await flush(child, fanout, cidVersion, store);
      links.push({ Name: label, Tsize: sub.size, Hash: sub.cid });
      childrenSize += sub.size;
    } else {
      links.push({ Name: label + child.name, Tsize: child.link.size, Hash: child.link.cid });
      childrenSize += child.link.size;
    }
  }
  // The bitfield as go writes it: without leading zero bytes.
  let first = 0;
  while (first < bitfield.length && bitfield[first] === 0) first++;
  const unixfs = new UnixFS({
    type: 'hamt-sharded-directory',
    data: bitfield.subarray(first),
    fanout: BigInt(fanout),
    hashType: MURMUR3_X64_64,
  });
  const bytes = encode(prepare({ Data: unixfs.marshal(), Links: links }));
  const cid = await persistDagPb(bytes, cidVersion, store);
  return { cid, size: bytes.byteLength + childrenSize };
}
