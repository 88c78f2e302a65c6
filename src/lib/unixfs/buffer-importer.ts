import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { persistDagPb } from './persist.js';
import type { BufferImporter } from 'ipfs-unixfs-importer';

/**
 * The importer's leaf builder, same blocks, without its memory cost: the stock one keeps
 * every dag-pb leaf's bytes (in `unixfs.data`) until the whole file is laid out, i.e. a
 * v0 file's full size in memory. The layout only needs each leaf's content size.
 */
export function leanBufferImporter(options: { cidVersion: 0 | 1; rawLeaves: boolean }): BufferImporter {
  return async function* (file, store) {
    for await (const chunk of file.content) {
      yield async () => {
        if (options.rawLeaves) {
          const cid = CID.createV1(raw.code, await sha256.digest(chunk));
          await store.put(cid, chunk);
          return { cid, size: BigInt(chunk.byteLength), block: chunk };
        }
        const block = dagPb.encode({ Data: new UnixFS({ type: 'file', data: chunk }).marshal(), Links: [] });
        const cid = await persistDagPb(block, options.cidVersion, store);
        const unixfs = new UnixFS({ type: 'file', blockSizes: [BigInt(chunk.byteLength)] });
        return { cid, size: BigInt(block.byteLength), unixfs, block };
      };
    }
  };
}
