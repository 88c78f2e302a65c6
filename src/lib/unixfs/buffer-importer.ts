import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { persistDagPb } from './persist.js';
import type { ChunkPool } from './chunk-pool.js';
import type { BufferImporter, WritableStorage } from 'ipfs-unixfs-importer';

export interface LeafOptions {
  cidVersion: 0 | 1;
  rawLeaves: boolean;
  /** Where chunks (and, when `recycleBlocks`, leaf blocks) go back once used. */
  pool?: ChunkPool;
  /** The store keeps nothing, so a block's bytes can be reused once it is stored. */
  recycleBlocks?: boolean;
}

/**
 * The importer's leaf builder, same blocks, without its memory cost: the stock one keeps
 * every dag-pb leaf's bytes (in `unixfs.data`) until the whole file is laid out, i.e. a
 * v0 file's full size in memory. The layout only needs each leaf's content size.
 */
export function leanBufferImporter(options: LeafOptions): BufferImporter {
  return async function* (file, store) {
    for await (const chunk of file.content) {
      yield async () => {
        const { cid, block } = await storeLeaf(chunk, options, store);
        // The importer reads `block` only for a file of one leaf with mode or mtime: never here.
        if (options.rawLeaves) return { cid, size: BigInt(block.byteLength), block };
        const unixfs = new UnixFS({ type: 'file', blockSizes: [BigInt(chunk.byteLength)] });
        return { cid, size: BigInt(block.byteLength), unixfs, block };
      };
    }
  };
}

/**
 * Hashes and stores one file leaf: the chunk itself (raw leaves) or its dag-pb UnixFS
 * block. Buffers go back to the pool once they are no longer needed: the chunk of a dag-pb
 * leaf at once (the block holds a copy), the stored block when the store keeps nothing.
 */
export async function storeLeaf(
  chunk: Uint8Array,
  options: LeafOptions,
  store: WritableStorage,
): Promise<{ cid: CID; block: Uint8Array }> {
  const { pool, recycleBlocks = false } = options;
  if (options.rawLeaves) {
    const cid = CID.createV1(raw.code, await sha256.digest(chunk));
    await store.put(cid, chunk);
    if (recycleBlocks) pool?.give(chunk);
    return { cid, block: chunk };
  }
  const block = encodeFileLeaf(chunk, recycleBlocks ? pool : undefined);
  pool?.give(chunk);
  const cid = await persistDagPb(block, options.cidVersion, store);
  if (recycleBlocks) pool?.give(block);
  return { cid, block };
}

/**
 * The dag-pb block of a UnixFS file leaf, `{ Data: UnixFS{ Type: File, Data, filesize } }`,
 * written in one pass: the same bytes as `dagPb.encode({ Data: new UnixFS({ type: 'file',
 * data }).marshal(), Links: [] })`, which copies the chunk twice (most of a v0 import's time).
 */
export function encodeFileLeaf(chunk: Uint8Array, pool?: ChunkPool): Uint8Array {
  const n = chunk.byteLength;
  if (n === 0) return dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] });
  const nLen = varintLength(n);
  // Type (08 02), Data (12 len bytes), filesize (18 len)
  const unixfsLength = 2 + 1 + nLen + n + 1 + nLen;
  const total = 1 + varintLength(unixfsLength) + unixfsLength;
  const block = pool ? pool.take(total) : Buffer.allocUnsafe(total);
  let at = 0;
  block[at++] = 0x0a; // PBNode.Data
  at = writeVarint(block, at, unixfsLength);
  block[at++] = 0x08; // Data.Type
  block[at++] = 0x02; // File
  block[at++] = 0x12; // Data.Data
  at = writeVarint(block, at, n);
  block.set(chunk, at);
  at += n;
  block[at++] = 0x18; // Data.filesize
  writeVarint(block, at, n);
  return block;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

function writeVarint(target: Uint8Array, at: number, value: number): number {
  while (value >= 0x80) {
    target[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  target[at++] = value;
  return at;
}
