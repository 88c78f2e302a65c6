import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dagPb from '@ipld/dag-pb';
import { MemoryBlockstore } from 'blockstore-core/memory';
import type { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImportSink } from '../../src/lib/node/import-sink.js';
import { createServedCoverage } from '../../src/lib/node/served-coverage.js';
import { importDirectory } from '../../src/lib/unixfs/index.js';

/** Every CID reachable from the root, read back from the store; each block must hash to its CID. */
async function walk(store: MemoryBlockstore, root: CID): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [root];
  while (queue.length > 0) {
    const cid = queue.pop() as CID;
    if (seen.has(cid.toString())) continue;
    seen.add(cid.toString());
    const bytes = await asBytes(store.get(cid));
    const digest = await sha256.digest(bytes);
    expect(digest.bytes, `block ${cid.toString()} hashes to its CID`).toEqual(cid.multihash.bytes);
    if (cid.code === dagPb.code) for (const link of dagPb.decode(bytes).Links) queue.push(link.Hash);
  }
  return seen;
}

async function asBytes(
  got: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array> | Promise<Uint8Array>,
): Promise<Uint8Array> {
  const v = await got;
  if (v instanceof Uint8Array) return v;
  const parts: Uint8Array[] = [];
  for await (const p of v) parts.push(p);
  return Buffer.concat(parts);
}

describe('the embedded node import sink', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfs-pin-sink-'));
    for (let i = 0; i < 20; i++) {
      await mkdir(join(dir, `d${i % 4}`), { recursive: true });
      await writeFile(join(dir, `d${i % 4}`, `f${i}.txt`), `file ${i}\n`.repeat(100 + i));
    }
    // The same content twice: one block, stored once.
    await writeFile(join(dir, 'copy-a.txt'), 'same bytes');
    await writeFile(join(dir, 'copy-b.txt'), 'same bytes');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores every distinct block when all of them share one 48-bit coverage key', async () => {
    const store = new MemoryBlockstore();
    let puts = 0;
    const counting = {
      has: store.has.bind(store),
      put: async (...a: Parameters<MemoryBlockstore['put']>) => (puts++, store.put(...a)),
    };
    // Every block collides with the first: a key filter alone would store one block.
    const coverage = createServedCoverage({ keyOf: () => 7 });
    const result = await importDirectory(dir, { blockstore: createImportSink(counting, coverage) });
    const reachable = await walk(store, result.cid);
    expect(reachable.size).toBeGreaterThan(20);
    let held = 0;
    for await (const _ of store.getAll()) held++;
    expect(held).toBe(reachable.size);
    // Exactly one write per distinct block: the duplicate file was not written twice.
    expect(puts).toBe(reachable.size);
  });

  it('stores the same DAG with the real keys', async () => {
    const store = new MemoryBlockstore();
    const result = await importDirectory(dir, {
      blockstore: createImportSink(store, createServedCoverage()),
    });
    const reachable = await walk(store, result.cid);
    let held = 0;
    for await (const _ of store.getAll()) held++;
    expect(held).toBe(reachable.size);
  });
});
