// A site with thousands of /<slug>/index.html folders: kubo counts the sub-directory
// links when it decides to shard the parent, the stock JS importer does not (its
// estimate only sees links that already have a CID). Our bottom-up build decides from
// the final links, so it shards where kubo does, and the stock importer disagrees.
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILES, importDirectory } from '../../src/lib/unixfs/index.js';
import type { ProfileName } from '../../src/lib/unixfs/index.js';
import type { CID } from 'multiformats/cid';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'ipfs-pin-subdirs-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const slug = (i: number): string => `p${String(i).padStart(29, '0')}`;
let built = 0;

/**
 * The site with exactly `count` folders with 30-byte names, each holding index.html. One site
 * grows or shrinks between tests (3543, 4096, 4097 folders): creating the folders is most of
 * this file's time, and each test gets the same site it would get from scratch.
 */
async function site(count: number): Promise<string> {
  const root = path.join(base, 'site');
  for (; built > count; built--) await rm(path.join(root, slug(built - 1)), { recursive: true });
  for (; built < count; built += 64) {
    await Promise.all(
      Array.from({ length: Math.min(64, count - built) }, async (_, k) => {
        const i = built + k;
        await mkdir(path.join(root, slug(i)), { recursive: true });
        await writeFile(path.join(root, slug(i), 'index.html'), `<p>${i}</p>`);
      }),
    );
  }
  built = count;
  return root;
}

function memorySink(): { put(cid: CID, bytes: Uint8Array): void; get(cid: CID): Uint8Array } {
  const blocks = new Map<string, Uint8Array>();
  return {
    put: (cid, bytes) => void blocks.set(cid.toString(), bytes),
    get: (cid) => {
      const b = blocks.get(cid.toString());
      if (!b) throw new Error(`no block ${cid.toString()}`);
      return b;
    },
  };
}

function rootType(bytes: Uint8Array): string {
  return UnixFS.unmarshal(dagPb.decode(bytes).Data ?? new Uint8Array()).type;
}

/** The stock importer with the same explicit parameters (no help from us). */
async function stockImport(root: string, count: number, profile: ProfileName): Promise<CID> {
  const p = PROFILES[profile];
  const candidates = Array.from({ length: count }, (_, i) => {
    const rel = `site/${slug(i)}/index.html`;
    return { path: rel, content: readFileSync(path.join(root, rel.slice('site/'.length))) };
  });
  let last: CID | undefined;
  for await (const entry of importer(
    candidates,
    { put: async (cid: CID) => cid },
    {
      cidVersion: p.cidVersion,
      rawLeaves: p.rawLeaves,
      chunker: fixedSize({ chunkSize: p.chunkSize }),
      layout: balanced({ maxChildrenPerNode: p.maxLinks }),
      shardSplitThresholdBytes: p.hamtThresholdBytes,
      shardSplitStrategy: p.hamtEstimation,
      shardFanoutBits: Math.log2(p.hamtFanout),
    },
  )) {
    if (entry.path === 'site') last = entry.cid;
  }
  if (!last) throw new Error('the stock importer gave no root');
  return last;
}

describe('HAMT decision counts sub-directories (kubo parity)', () => {
  // block-bytes: each link encodes to 74 bytes here (CID 38 + name 32 + Tsize 2 + framing 2)
  // and the Data field to 4: 4 + 3543 * 74 = 262186 > 262144 (3542 would be 262112).
  it(
    'unixfs-v1-2025: a block just over 256 KiB of folder links shards, where the stock importer does not',
    { timeout: 120_000 },
    async () => {
      const root = await site(3543);
      const sink = memorySink();
      const ours = await importDirectory(root, { blockstore: sink });
      expect(rootType(sink.get(ours.cid))).toBe('hamt-sharded-directory');
      const stock = await stockImport(root, 3543, 'unixfs-v1-2025');
      expect(stock.toString()).not.toBe(ours.cid.toString());
    },
  );

  // links-bytes: each link is 30 name bytes + 34 CIDv0 bytes = 64; 4096 * 64 = 262144.
  it(
    'unixfs-v0-2015: 4096 folders stay basic (= threshold), and the stock importer agrees',
    { timeout: 120_000 },
    async () => {
      const root = await site(4096);
      const sink = memorySink();
      const ours = await importDirectory(root, { profile: 'unixfs-v0-2015', blockstore: sink });
      expect(rootType(sink.get(ours.cid))).toBe('directory');
      expect(ours.cid.toString()).toBe((await stockImport(root, 4096, 'unixfs-v0-2015')).toString());
    },
  );

  it(
    'unixfs-v0-2015: 4097 folders shard (> threshold), where the stock importer does not',
    { timeout: 120_000 },
    async () => {
      const root = await site(4097);
      const sink = memorySink();
      const ours = await importDirectory(root, { profile: 'unixfs-v0-2015', blockstore: sink });
      expect(rootType(sink.get(ours.cid))).toBe('hamt-sharded-directory');
      const stock = await stockImport(root, 4097, 'unixfs-v0-2015');
      expect(stock.toString()).not.toBe(ours.cid.toString());
    },
  );
});
