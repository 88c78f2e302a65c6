import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dagPb from '@ipld/dag-pb';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDiskBlockstore } from '../../src/lib/node/disk-blockstore.js';
import { tieredBlockstore } from '../../src/lib/node/tiered-blockstore.js';

async function block(text: string, size = 100): Promise<{ cid: CID; bytes: Uint8Array }> {
  const bytes = new Uint8Array(size).fill(text.charCodeAt(0));
  bytes.set(new TextEncoder().encode(text));
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes };
}

async function read(bytes: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of bytes) parts.push(part);
  return new Uint8Array(Buffer.concat(parts));
}

async function filesUnder(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).length;
}

describe('tieredBlockstore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ipfs-pin-tiered-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps blocks in memory up to the budget and writes the rest to disk, serving both alike', async () => {
    const store = tieredBlockstore(await openDiskBlockstore(dir), 250);
    const blocks = await Promise.all(['a', 'b', 'c', 'd'].map((t) => block(t)));
    for (const b of blocks) await store.put(b.cid, b.bytes);
    // 100 + 100 fit in 250; the third and fourth do not.
    expect(await filesUnder(dir)).toBe(2);
    for (const b of blocks) {
      expect(await store.has(b.cid)).toBe(true);
      expect(await read(store.get(b.cid))).toEqual(b.bytes);
    }
    // blockstore-fs knows only the multihash of what it holds: compare those.
    const hashOf = (cid: CID): string => Buffer.from(cid.multihash.bytes).toString('hex');
    const all: string[] = [];
    for await (const pair of store.getAll()) all.push(hashOf(pair.cid));
    expect(all.sort()).toEqual(blocks.map((b) => hashOf(b.cid)).sort());
  });

  it('copies what it keeps: a buffer reused after put does not change the block', async () => {
    const store = tieredBlockstore(await openDiskBlockstore(dir), 1024);
    const b = await block('x');
    const reused = Buffer.from(b.bytes);
    await store.put(b.cid, reused);
    reused.fill(0);
    expect(await read(store.get(b.cid))).toEqual(b.bytes);
  });

  it('finds a block by the multihash, whatever the CID version', async () => {
    const store = tieredBlockstore(await openDiskBlockstore(dir), 1024);
    const bytes = dagPb.encode(dagPb.prepare({ Data: new Uint8Array([8, 1]) }));
    const v0 = CID.createV0(await sha256.digest(bytes));
    await store.put(v0, bytes);
    expect(await read(store.get(v0.toV1()))).toEqual(bytes);
  });

  it('writes every block to disk with a budget of 0, and deletes from either tier', async () => {
    const diskOnly = tieredBlockstore(await openDiskBlockstore(dir), 0);
    const b = await block('y');
    await diskOnly.put(b.cid, b.bytes);
    expect(await filesUnder(dir)).toBe(1);
    await diskOnly.delete(b.cid);
    expect(await diskOnly.has(b.cid)).toBe(false);

    const inMemory = tieredBlockstore(await openDiskBlockstore(join(dir, 'm')), 1024);
    await inMemory.put(b.cid, b.bytes);
    await inMemory.delete(b.cid);
    expect(await inMemory.has(b.cid)).toBe(false);
    await expect(read(inMemory.get(b.cid))).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
