// The wait's transfer watch on a real embedded node and real Helia fetchers: what it keeps
// per peer is bounded over all peers, and goes when the peer does.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode } from '../../src/lib/node/index.js';
import type { BitswapEvent, IpfsNode } from '../../src/lib/node/index.js';
import { watchTransfer } from '../../src/lib/pin/wait.js';
import type { ImportResult } from '../../src/lib/unixfs/index.js';
import { startHeliaFetcher } from '../support/helia-fetcher.js';
import { makeTree } from '../support/make-tree.js';
import type { Tree } from '../support/make-tree.js';

describe('watchTransfer', () => {
  let tree: Tree;
  let node: IpfsNode;
  let imported: ImportResult;
  let blocks: number;

  beforeAll(async () => {
    tree = await makeTree({ files: 40, bytes: 8 * 1024 * 1024 });
    node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] });
    imported = await node.import(tree.dir);
    blocks = node.stats().blocksHeld ?? 0;
    expect(blocks).toBeGreaterThan(10);
  });
  afterAll(async () => {
    await node?.stop();
    if (tree !== undefined) await rm(tree.dir, { recursive: true, force: true });
  });

  const gone = (peer: string): Promise<void> =>
    new Promise((resolve) => {
      const off = node.subscribe?.((e: BitswapEvent) => {
        if (e.type === 'bitswap:peer:gone' && e.detail.peer === peer) {
          off?.();
          resolve();
        }
      });
    });

  it('forgets a peer that left: a second fetcher after it completes under a bound below both', async () => {
    const watch = watchTransfer(node, { maxTracked: Math.floor(blocks * 1.5) });
    try {
      const a = await startHeliaFetcher();
      await node.dial(a.multiaddrs);
      await a.fetchDag(imported.cid);
      const first = watch.completeAt();
      expect(first).toBeDefined();
      const left = gone(a.peerId);
      await a.stop();
      await left;
      await new Promise((r) => setTimeout(r, 5));
      await using b = await startHeliaFetcher();
      await node.dial(b.multiaddrs);
      await b.fetchDag(imported.cid);
      expect(watch.completeAt()).toBeGreaterThan(first ?? 0);
    } finally {
      watch.stop();
    }
  });

  it('bounds what it keeps over all peers, not per peer: two fetchers at once overflow it', async () => {
    const watch = watchTransfer(node, { maxTracked: Math.floor(blocks * 1.5) });
    try {
      await using a = await startHeliaFetcher();
      await using b = await startHeliaFetcher();
      await node.dial([...a.multiaddrs, ...b.multiaddrs]);
      await a.fetchDag(imported.cid);
      expect(watch.completeAt()).toBeDefined();
      await b.fetchDag(imported.cid);
      // Past the bound no peer is called complete: the quiet rule alone decides.
      expect(watch.completeAt()).toBeUndefined();
      expect(watch.lastSentAt()).toBeDefined();
    } finally {
      watch.stop();
    }
  });
});
