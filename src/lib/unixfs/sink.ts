import { abortError } from '../errors.js';
import type { BlockSink } from './types.js';
import type { WritableStorage } from 'ipfs-unixfs-importer';
import type { CID } from 'multiformats/cid';

/** The default: CIDs are computed by the importer anyway, so keeping nothing is enough. */
export const hashOnlySink: BlockSink = { put: () => undefined };

/** Adapts a BlockSink to the importer's storage, and makes every block a cancellation point. */
export function toStorage(sink: BlockSink, signal: AbortSignal | undefined): WritableStorage {
  return {
    async put(cid: CID, bytes: Uint8Array): Promise<CID> {
      if (signal?.aborted) throw abortError(signal, 'The import');
      await sink.put(cid, bytes, signal ? { signal } : undefined);
      return cid;
    },
  };
}
