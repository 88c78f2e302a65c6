import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarReader } from '@ipld/car/reader';
import { sha256 } from 'multiformats/hashes/sha2';
import { importDirectory } from '../../src/lib/index.js';
import type { CarSource } from '../../src/lib/index.js';
import { makeTree } from './make-tree.js';

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

/** A small site imported into a CAR file, as the uploads get it: the file, its bytes and what is in it. */
export interface SiteCar {
  car: CarSource;
  bytes: Buffer;
  summary: CarSummary;
  remove(): Promise<void>;
}

/** Makes a 40-file, 3 MiB site under a new temporary folder and writes its CAR beside it. */
export async function makeSiteCar(prefix: string): Promise<SiteCar> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  const remove = (): Promise<void> => rm(work, { recursive: true, force: true });
  try {
    const site = (await makeTree({ files: 40, bytes: 3 * 1024 * 1024, parent: work })).dir;
    const path = join(work, 'site.car');
    const imported = await importDirectory(site, { car: path });
    const bytes = await readFile(path);
    return {
      car: { root: imported.cid.toString(), path, bytes: (await stat(path)).size },
      bytes,
      summary: await readCar(bytes),
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}
