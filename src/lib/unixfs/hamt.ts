// A port of ipfs-unixfs-importer's DirSharded flush (17.1.1), fed with final links so
// that a parent directory is decided only after all its children exist. Same bucket
// layout, labels and Tsize rules as the importer, which match kubo's (boxo) HAMT.
import { encode, prepare } from '@ipld/dag-pb';
import { murmur3128 } from '@multiformats/murmur3';
import { Bucket, createHAMT } from 'hamt-sharding';
import { UnixFS } from 'ipfs-unixfs';
import { persistDagPb } from './persist.js';
import type { Link } from './tree.js';
import type { PBLink } from '@ipld/dag-pb';
import type { WritableStorage } from 'ipfs-unixfs-importer';

/** murmur3-x64-64, the multicodec kubo writes in a shard's hashType. */
const MURMUR3_X64_64 = 0x22n;

async function hamtHash(bytes: Uint8Array): Promise<Uint8Array> {
  // go-unixfs takes the first 64 bits of murmur3-x64-128, byte-reversed.
  return (await murmur3128.encode(bytes)).slice(0, 8).reverse();
}

export interface NamedLink extends Link {
  name: string;
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
  const bucket = createHAMT<Link>({ hashFn: hamtHash, bits });
  for (const link of links) await bucket.put(link.name, { cid: link.cid, size: link.size });
  return flushBucket(bucket, cidVersion, store);
}

async function flushBucket(bucket: Bucket<Link>, cidVersion: 0 | 1, store: WritableStorage): Promise<Link> {
  const children = bucket._children;
  const padLength = (bucket.tableSize() - 1).toString(16).length;
  const links: PBLink[] = [];
  let childrenSize = 0;

  for (let i = 0; i < children.length; i++) {
    const child = children.get(i) as Bucket<Link> | { key: string; value: Link } | undefined;
    if (child == null) continue;
    const label = i.toString(16).toUpperCase().padStart(padLength, '0');
    if (child instanceof Bucket) {
      const shard = await flushBucket(child, cidVersion, store);
      links.push({ Name: label, Tsize: shard.size, Hash: shard.cid });
      childrenSize += shard.size;
    } else {
      links.push({ Name: label + child.key, Tsize: child.value.size, Hash: child.value.cid });
      childrenSize += child.value.size;
    }
  }

  // go-unixfs writes the bitfield little-endian.
  const data = Uint8Array.from(children.bitField().reverse());
  const unixfs = new UnixFS({
    type: 'hamt-sharded-directory',
    data,
    fanout: BigInt(bucket.tableSize()),
    hashType: MURMUR3_X64_64,
  });
  const bytes = encode(prepare({ Data: unixfs.marshal(), Links: links }));
  const cid = await persistDagPb(bytes, cidVersion, store);
  return { cid, size: bytes.byteLength + childrenSize };
}
