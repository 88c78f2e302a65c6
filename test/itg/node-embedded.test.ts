import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode } from '../../src/lib/node/index.js';
import type { BitswapEvent, IpfsNode, NodeProgressEvent } from '../../src/lib/node/index.js';
import type { ImportResult } from '../../src/lib/unixfs/index.js';
import { startHeliaFetcher } from '../support/helia-fetcher.js';
import { makeTree } from '../support/make-tree.js';
import { listening, tcpPort } from '../support/net-probe.js';
import type { Tree } from '../support/make-tree.js';

describe('embedded node serving over bitswap (real Helia fetcher on loopback)', () => {
  let tree: Tree;
  let parent: string;
  let node: IpfsNode;
  let imported: ImportResult;
  const events: NodeProgressEvent[] = [];

  beforeAll(async () => {
    tree = await makeTree();
    parent = await mkdtemp(join(tmpdir(), 'ipfs-pin-node-test-'));
    node = await createNode({
      tempDir: parent,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      onProgress: (e) => events.push(e),
    });
    imported = await node.import(tree.dir);
  });

  afterAll(async () => {
    await node?.stop();
    await rm(tree.dir, { recursive: true, force: true });
    await rm(parent, { recursive: true, force: true });
  });

  it('starts with identify, reports its addresses and no origins on loopback', () => {
    expect(events.some((e) => e.type === 'node:start:done')).toBe(true);
    expect(node.kind).toBe('embedded');
    expect(node.addresses().length).toBeGreaterThan(0);
    expect(node.addresses().every((a) => a.endsWith(`/p2p/${node.peerId}`))).toBe(true);
    expect(node.origins()).toEqual([]);
    expect(imported.files).toBe(tree.files);
    expect(imported.bytes).toBe(tree.bytes);
  });

  it('holds the imported root', async () => {
    expect(await node.has(imported.cid)).toBe(true);
  });

  it('serves the whole 100 MiB / 2,000-file DAG to a fetcher that never dials, after our node dialled it', async () => {
    await using fetcher = await startHeliaFetcher();
    const [dial] = await node.dial(fetcher.multiaddrs);
    expect(dial).toMatchObject({ ok: true, peerId: fetcher.peerId });
    node.keep(fetcher.multiaddrs);
    const before = node.stats();
    const fetchStart = Date.now();
    const events: BitswapEvent[] = [];
    const unsubscribe = node.subscribe?.((e) => events.push(e));
    const got = await fetcher.fetchDag(imported.cid);
    unsubscribe?.();
    expect(got.bytes).toBeGreaterThan(tree.bytes);
    expect(got.blocks).toBeGreaterThan(tree.files);
    const after = node.stats();
    expect(after.blocksServed - before.blocksServed).toBeGreaterThanOrEqual(got.blocks);
    expect(after.bytesServed - before.bytesServed).toBeGreaterThanOrEqual(got.bytes);
    expect(after.peers).toBeGreaterThanOrEqual(1);
    expect(after.blocksHeld).toBe(got.blocks);
    // The engine told of every want and every block as it happened.
    const sent = events.filter((e) => e.type === 'bitswap:block:sent');
    expect(new Set(sent.map((e) => e.detail.cid.toString())).size).toBe(got.blocks);
    expect(sent.every((e) => e.detail.peer === fetcher.peerId && e.detail.at >= fetchStart)).toBe(true);
    expect(events.filter((e) => e.type === 'bitswap:want:received').length).toBeGreaterThanOrEqual(
      got.blocks,
    );
    expect(events.some((e) => e.type === 'bitswap:wantlist:empty')).toBe(true);
  });

  it('stores each distinct block once: importing a folder of the tree again adds none', async () => {
    const own = await createNode({ tempDir: parent, listen: ['/ip4/127.0.0.1/tcp/0'] });
    try {
      await own.import(tree.dir);
      const held = own.stats().blocksHeld;
      const sub = await own.import(join(tree.dir, 'page-000'));
      expect(own.stats().blocksHeld).toBe(held);
      await using fetcher = await startHeliaFetcher();
      await own.dial(fetcher.multiaddrs);
      const got = await fetcher.fetchDag(sub.cid);
      expect(got.blocks).toBeGreaterThan(100);
      expect(own.stats().blocksServed).toBe(got.blocks);
    } finally {
      await own.stop();
    }
  });

  it('re-dials a fetcher that hangs up mid-transfer, and the fetch completes', async () => {
    await using fetcher = await startHeliaFetcher();
    await node.dial(fetcher.multiaddrs);
    node.keep(fetcher.multiaddrs);
    let hungUp = false;
    let hangUp: Promise<void> | undefined;
    const got = await fetcher.fetchDag(imported.cid, {
      onBlock: (blocks) => {
        if (!hungUp && blocks === 300) {
          hungUp = true;
          hangUp = fetcher.hangUp();
        }
      },
    });
    await hangUp;
    expect(hungUp).toBe(true);
    expect(got.bytes).toBeGreaterThan(tree.bytes);
    expect(
      events.some((e) => e.type === 'node:peer:disconnected' && e.detail.peerId === fetcher.peerId),
    ).toBe(true);
    expect(fetcher.peers()).toContain(node.peerId);
  });

  it('reports transports it cannot use and dead addresses as failed dials, never throws', async () => {
    const fetcher = await startHeliaFetcher();
    const deadPort = tcpPort(fetcher.multiaddrs);
    await fetcher.stop();
    const id = fetcher.peerId;
    const results = await node.dial(
      [
        `/ip4/127.0.0.1/udp/4001/quic-v1/p2p/${id}`,
        `/ip4/127.0.0.1/udp/4001/quic-v1/webtransport/p2p/${id}`,
        `/dns4/example.invalid/tcp/443/wss/p2p/${id}`,
        `/ip4/127.0.0.1/tcp/4001/p2p/${id}/p2p-circuit/p2p/${node.peerId}`,
        `/ip4/127.0.0.1/tcp/${deadPort}/p2p/${id}`,
        'not a multiaddr',
      ],
      { onProgress: (e) => events.push(e) },
    );
    expect(results.map((r) => r.ok)).toEqual([false, false, false, false, false, false]);
    expect(results.slice(0, 4).map((r) => r.error)).toEqual(Array(4).fill('unsupported transport'));
    expect(results[4]?.error).toBeTruthy();
    expect(results[5]?.error).toMatch(/invalid multiaddr/);
    expect(events.filter((e) => e.type === 'node:dial:done').length).toBeGreaterThanOrEqual(6);
  });
});

describe('embedded node stop()', () => {
  it('leaves no listening socket and no temp dir', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'ipfs-pin-node-stop-'));
    try {
      const node = await createNode({ tempDir: parent, listen: ['/ip4/127.0.0.1/tcp/0'] });
      const port = tcpPort(node.addresses());
      expect(await listening(port)).toBe(true);
      expect(await readdir(parent)).toHaveLength(1);
      await node.stop();
      await node.stop();
      expect(await listening(port)).toBe(false);
      expect(await readdir(parent)).toEqual([]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('fails with INVALID_INPUT on a bad listen address and leaves nothing behind', async () => {
    const parent = await mkdtemp(join(tmpdir(), 'ipfs-pin-node-bad-'));
    try {
      await expect(createNode({ tempDir: parent, listen: ['nope'] })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      expect(await readdir(parent)).toEqual([]);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
