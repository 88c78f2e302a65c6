import { CarReader } from '@ipld/car/reader';
import { sha256 } from 'multiformats/hashes/sha2';

export interface CarSummary {
  roots: string[];
  /** CIDs of the blocks, in order. */
  blocks: string[];
}

/**
 * What a service would see in a CAR: its roots and blocks, each block's sha2-256 checked
 * against its CID (a stand-in that takes a corrupt CAR would pass anything).
 */
export async function readCar(bytes: Uint8Array): Promise<CarSummary> {
  const reader = await CarReader.fromBytes(bytes);
  const roots = (await reader.getRoots()).map((c) => c.toString());
  const blocks: string[] = [];
  for await (const { cid, bytes: data } of reader.blocks()) {
    if (cid.multihash.code !== sha256.code) throw new Error(`block ${cid.toString()} is not sha2-256`);
    const digest = await sha256.digest(data);
    if (!Buffer.from(digest.digest).equals(Buffer.from(cid.multihash.digest)))
      throw new Error(`block ${cid.toString()} does not match its CID`);
    blocks.push(cid.toString());
  }
  return { roots, blocks };
}
