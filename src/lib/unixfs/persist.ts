import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import type { WritableStorage } from 'ipfs-unixfs-importer';

/** Hashes a dag-pb block, hands it to the store, returns its CID. */
export async function persistDagPb(
  bytes: Uint8Array,
  cidVersion: 0 | 1,
  store: WritableStorage,
): Promise<CID> {
  const digest = await sha256.digest(bytes);
  const cid = cidVersion === 0 ? CID.createV0(digest) : CID.createV1(dagPb.code, digest);
  await store.put(cid, bytes);
  return cid;
}
