// Canaries for the embedded node's reaches into libp2p's and @helia/bitswap's internals
// (README, "Dependencies we reach into"). Each fails when its touch stops taking effect,
// as a dependency update can silently do: serve a real DAG to a real Helia fetcher over
// loopback, then read what each touch counted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode } from '../../src/lib/index.js';
import type { IpfsNode, NodeStats } from '../../src/lib/index.js';
import { startHeliaFetcher } from '../support/helia-fetcher.js';
import { makeTree } from '../support/make-tree.js';
import type { Tree } from '../support/make-tree.js';

describe('canaries: the embedded node touches into its dependencies still take effect', () => {
  let tree: Tree;
  let parent: string;
  let node: IpfsNode;
  let got: { blocks: number; bytes: number };
  let stats: NodeStats;
  let openedBeforeFetch = 0;

  beforeAll(async () => {
    tree = await makeTree({ files: 300, bytes: 10 * 1024 * 1024, seed: 11 });
    parent = await mkdtemp(join(tmpdir(), 'ipfs-pin-canary-'));
    node = await createNode({ tempDir: parent, listen: ['/ip4/127.0.0.1/tcp/0'] });
    const imported = await node.import(tree.dir);
    await using fetcher = await startHeliaFetcher();
    await node.dial(fetcher.multiaddrs);
    // The dial opens our sending stream before the fetcher asks for anything.
    for (let i = 0; i < 100 && (node.stats().touches?.bitswapStreamsOpened ?? 0) === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    openedBeforeFetch = node.stats().touches?.bitswapStreamsOpened ?? 0;
    got = await fetcher.fetchDag(imported.cid);
    stats = node.stats();
  });

  afterAll(async () => {
    await node?.stop();
    if (tree !== undefined) await rm(tree.dir, { recursive: true, force: true });
    if (parent !== undefined) await rm(parent, { recursive: true, force: true });
  });

  it('bitswap-streams: messages go on kept streams (libp2p.dialProtocol is how bitswap opens them)', () => {
    expect(got.blocks).toBeGreaterThan(300);
    expect(stats.touches?.bitswapStreamsReused).toBeGreaterThan(0);
    // Far fewer streams than messages: one per peer while the transfer runs.
    expect(stats.touches?.bitswapStreamsOpened).toBeGreaterThan(0);
    expect(stats.touches?.bitswapStreamsOpened).toBeLessThan(stats.touches?.sentMessagesSeen ?? 0);
  });

  it('sent-blocks: a message of several blocks goes out as one message per block, as kubo sends them', () => {
    expect(stats.touches?.blockMessagesSplit).toBeGreaterThan(0);
    // More messages with blocks than the batches bitswap made of them.
    expect(stats.touches?.sentMessagesSeen).toBeGreaterThan(stats.touches?.blockMessagesSplit ?? 0);
  });

  it('bitswap-streams: a dial opens the sending stream before the peer asks (no negotiation round trip for the root)', () => {
    expect(openedBeforeFetch).toBe(1);
    // ...and the first answer went on it.
    expect(stats.touches?.bitswapStreamsReused).toBeGreaterThanOrEqual(stats.touches?.sentMessagesSeen ?? 0);
  });

  it('protocol-merges: libp2p still merges the protocol into the peer store per stream, and we skip it', () => {
    expect(stats.touches?.mergesSkipped).toBeGreaterThan(0);
  });

  it("sent-blocks: @helia/bitswap's network.sendMessage is wrapped and sees the blocks, so a full fetch completes the peer", () => {
    expect(stats.touches?.sentBlocksWatched).toBe(true);
    expect(stats.touches?.sentMessagesSeen).toBeGreaterThan(0);
    expect(stats.peerCompleteAt).toBeDefined();
  });

  it("sent-blocks: the network's bitswap:message event still fires for what the fetcher sends", () => {
    expect(stats.touches?.messagesHeard).toBeGreaterThan(0);
    expect(stats.lastHeardAt).toBeDefined();
  });

  it("served-metrics: bitswap's sent-block and sent-byte counters still have the names we count", () => {
    expect(stats.blocksServed).toBeGreaterThanOrEqual(got.blocks);
    expect(stats.bytesServed).toBeGreaterThanOrEqual(got.bytes);
    expect(stats.lastServedAt).toBeDefined();
  });
});
