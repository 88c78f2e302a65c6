import type { CID } from 'multiformats/cid';
import type { Blockstore } from 'interface-blockstore';
import type { ServedCoverage } from './served-coverage.js';

/**
 * Where the embedded node's importer writes: the node's store, each distinct block once.
 *
 * The coverage's 48-bit keys say quickly that a block is new (the common case, no store
 * look-up). They can also match for two different blocks, so a key seen before is never
 * taken as proof: the store is asked for the exact CID, and the block is written when it is
 * not there. Dedup is exact; the filter only saves the look-up for blocks never seen.
 */
export function createImportSink(
  store: Pick<Blockstore, 'put' | 'has'>,
  coverage: Pick<ServedCoverage, 'stored'>,
): { put(cid: CID, bytes: Uint8Array, opts?: { signal?: AbortSignal }): Promise<void> } {
  return {
    async put(cid, bytes, opts) {
      if (coverage.stored(cid) || !(await store.has(cid, opts))) await store.put(cid, bytes, opts);
    },
  };
}
