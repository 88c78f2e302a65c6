import { encode } from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { buildHamt } from './hamt.js';
import { persistDagPb } from './persist.js';
import type { NamedLink } from './hamt.js';
import type { Link } from './tree.js';
import type { ProfileParams } from './types.js';
import type { PBLink } from '@ipld/dag-pb';
import type { WritableStorage } from 'ipfs-unixfs-importer';

const DIRECTORY_DATA = new UnixFS({ type: 'directory' }).marshal();

/** kubo's (boxo) estimate: the sum of each link's name bytes and CID bytes. */
export function linksBytes(links: readonly NamedLink[]): number {
  let total = 0;
  for (const link of links) total += Buffer.byteLength(link.name, 'utf8') + link.cid.byteLength;
  return total;
}

/**
 * Builds one directory from its final links (sorted by name bytes), deciding basic or
 * HAMT the way kubo does: from every link, sub-directories included, and a HAMT only
 * when the estimate is strictly greater than the threshold.
 */
export async function buildDirectory(
  links: readonly NamedLink[],
  params: ProfileParams,
  store: WritableStorage,
): Promise<Link & { sharded: boolean }> {
  if (params.hamtEstimation === 'links-bytes' && linksBytes(links) > params.hamtThresholdBytes) {
    return { ...(await buildHamt(links, params.hamtFanout, params.cidVersion, store)), sharded: true };
  }
  const pbLinks: PBLink[] = links.map((l) => ({ Name: l.name, Hash: l.cid, Tsize: l.size }));
  // encode() rejects links out of dag-pb order, which doubles as a check on our sort.
  const bytes = encode({ Data: DIRECTORY_DATA, Links: pbLinks });
  if (params.hamtEstimation === 'block-bytes' && bytes.byteLength > params.hamtThresholdBytes) {
    return { ...(await buildHamt(links, params.hamtFanout, params.cidVersion, store)), sharded: true };
  }
  const cid = await persistDagPb(bytes, params.cidVersion, store);
  let size = bytes.byteLength;
  for (const l of links) size += l.size;
  return { cid, size, sharded: false };
}
