import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode } from '../../src/lib/node/index.js';
import type { IpfsNode } from '../../src/lib/node/index.js';
import { startHeliaFetcher } from '../support/helia-fetcher.js';
import { startKubo } from '../support/kubo.js';
import type { Kubo } from '../support/kubo.js';
import { makeTree } from '../support/make-tree.js';
import type { Tree } from '../support/make-tree.js';
import { listening, tcpPort, until } from '../support/net-probe.js';
import { peerBinary } from '../support/peers.js';

/** Processes whose command line mentions `text` (a temp repo path). */
async function processesWith(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(pid);
  }
  return found;
}

describe('kubo on both sides (real kubo 0.42 on loopback)', () => {
  let ipfs: string;
  let tree: Tree;
  let expectedCid: string;
  let parent: string;

  beforeAll(async () => {
    ipfs = peerBinary('ipfs');
    tree = await makeTree();
    parent = await mkdtemp(join(tmpdir(), 'ipfs-pin-kubo-test-'));
  });

  afterAll(async () => {
    await rm(tree.dir, { recursive: true, force: true });
    await rm(parent, { recursive: true, force: true });
  });

  it('embedded node serves the tree to kubo, which dials nothing: our node dials its swarm address', async () => {
    await using kubo = await startKubo();
    const node = await createNode({ tempDir: parent, listen: ['/ip4/127.0.0.1/tcp/0'] });
    try {
      const imported = await node.import(tree.dir);
      expectedCid = imported.cid.toString();
      const [dial] = await node.dial(kubo.swarmAddrs);
      expect(dial).toMatchObject({ ok: true, peerId: kubo.peerId });
      node.keep(kubo.swarmAddrs);
      await kubo.ipfs(['pin', 'add', '--progress=false', expectedCid], { timeoutMs: 90_000 });
      const { stdout } = await kubo.ipfs(['refs', '-r', '--offline', expectedCid]);
      expect(stdout.trim().split('\n').length).toBeGreaterThan(tree.files);
      const stat = JSON.parse(
        (await kubo.ipfs(['dag', 'stat', '--offline', '--progress=false', '--enc=json', expectedCid])).stdout,
      ) as { TotalSize: number };
      expect(stat.TotalSize).toBeGreaterThan(tree.bytes);
      expect(node.stats().bytesServed).toBeGreaterThanOrEqual(tree.bytes);
    } finally {
      await node.stop();
    }
  });

  it('kubo-binary: a throwaway kubo imports the same CID, serves it to the Helia fetcher, and stop() leaves nothing', async () => {
    const node = await createNode({
      kind: 'kubo-binary',
      binary: ipfs,
      tempDir: parent,
      listen: ['/ip4/127.0.0.1/tcp/0'],
    });
    let stopped = false;
    try {
      const [repo] = await readdir(parent);
      expect(repo).toBeDefined();
      expect(await processesWith(join(parent, repo as string))).not.toEqual([]);
      const swarmPort = tcpPort(node.addresses());
      const imported = await node.import(tree.dir);
      expect(imported.cid.toString()).toBe(expectedCid);
      expect(await node.has(imported.cid)).toBe(true);
      await using fetcher = await startHeliaFetcher();
      const [dial] = await node.dial(fetcher.multiaddrs);
      expect(dial).toMatchObject({ ok: true, peerId: fetcher.peerId });
      node.keep(fetcher.multiaddrs);
      const got = await fetcher.fetchDag(imported.cid);
      expect(got.bytes).toBeGreaterThan(tree.bytes);
      await until(() => node.stats().bytesServed >= got.bytes);
      expect(node.stats().bytesServed).toBeGreaterThanOrEqual(got.bytes);

      await node.stop();
      stopped = true;
      expect(await listening(swarmPort)).toBe(false);
      expect(await processesWith(join(parent, repo as string))).toEqual([]);
      expect(await readdir(parent)).toEqual([]);
    } finally {
      if (!stopped) await node.stop();
    }
  });

  describe('kubo-api against a running daemon', () => {
    let kubo: Kubo;
    let node: IpfsNode;

    beforeAll(async () => {
      kubo = await startKubo();
      node = await createNode({ kind: 'kubo-api', apiUrl: kubo.apiUrl, tempDir: parent });
    });

    afterAll(async () => {
      await kubo?.stop();
    });

    it('imports the same CID without pinning it, serves it, and stop() only undoes what it added', async () => {
      expect(node.peerId).toBe(kubo.peerId);
      const imported = await node.import(tree.dir);
      expect(imported.cid.toString()).toBe(expectedCid);
      expect(await node.has(imported.cid)).toBe(true);
      const pins = await kubo.ipfs(['pin', 'ls', '--type=recursive', '--quiet']);
      expect(pins.stdout).not.toContain(expectedCid);

      await using fetcher = await startHeliaFetcher();
      const [dial] = await node.dial(fetcher.multiaddrs);
      expect(dial).toMatchObject({ ok: true, peerId: fetcher.peerId });
      node.keep(fetcher.multiaddrs);
      const peering = async (): Promise<string> => (await kubo.ipfs(['swarm', 'peering', 'ls'])).stdout;
      await until(async () => (await peering()).includes(fetcher.peerId));
      expect(await peering()).toContain(fetcher.peerId);
      const got = await fetcher.fetchDag(imported.cid);
      expect(got.bytes).toBeGreaterThan(tree.bytes);
      await until(() => node.stats().bytesServed >= got.bytes);
      expect(node.stats().bytesServed).toBeGreaterThanOrEqual(got.bytes);

      await node.stop();
      expect((await kubo.ipfs(['swarm', 'peering', 'ls'])).stdout).not.toContain(fetcher.peerId);
      // Someone else's daemon keeps running, and no temp CAR is left behind.
      expect((await kubo.ipfs(['id', '-f', '<id>'])).stdout.trim()).toBe(kubo.peerId);
      expect(await readdir(parent)).toEqual([]);
    });

    it('fails with KUBO_UNAVAILABLE when nothing answers, INVALID_INPUT without apiUrl', async () => {
      await expect(createNode({ kind: 'kubo-api', apiUrl: 'http://127.0.0.1:1' })).rejects.toMatchObject({
        code: 'KUBO_UNAVAILABLE',
      });
      await expect(createNode({ kind: 'kubo-api' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });

  it('kubo-binary: a missing binary is KUBO_UNAVAILABLE and leaves no temp dir', async () => {
    await expect(
      createNode({ kind: 'kubo-binary', binary: join(parent, 'no-such-ipfs'), tempDir: parent }),
    ).rejects.toMatchObject({ code: 'KUBO_UNAVAILABLE' });
    expect(await readdir(parent)).toEqual([]);
  });
});
