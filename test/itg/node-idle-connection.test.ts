// A service that asks for nothing for minutes after our node connected (a long pin queue),
// then fetches: the connection and the bitswap path must still work. Two minutes is past
// libp2p's TCP inactivity timeout (2 min) and boxo's want rebroadcast (30 s): what keeps
// the connection up is our side's own traffic (pings), not the service's.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNode } from '../../src/lib/node/index.js';
import { startKubo } from '../support/kubo.js';
import { makeTree } from '../support/make-tree.js';

const IDLE_MS = 130_000;

describe('a first want minutes after the connection (real kubo 0.42)', () => {
  it(
    'serves the DAG to a kubo that stayed silent for over two minutes after our node dialled it',
    async () => {
      const parent = await mkdtemp(join(tmpdir(), 'ipfs-pin-idle-'));
      const tree = await makeTree({ files: 60, bytes: 3 * 1024 * 1024, parent });
      await using kubo = await startKubo();
      const disconnected: string[] = [];
      const node = await createNode({
        tempDir: parent,
        listen: ['/ip4/127.0.0.1/tcp/0'],
        onProgress: (e) => {
          if (e.type === 'node:peer:disconnected') disconnected.push(e.detail.peerId);
        },
      });
      try {
        const { cid } = await node.import(tree.dir);
        const [dial] = await node.dial(kubo.swarmAddrs);
        expect(dial?.ok, dial?.error).toBe(true);
        node.keep(kubo.swarmAddrs, { announce: [cid] });
        await new Promise((r) => setTimeout(r, IDLE_MS));
        const { stdout } = await kubo.ipfs(['swarm', 'peers']);
        expect(stdout).toContain(node.peerId);
        await kubo.ipfs(['pin', 'add', '--progress=false', cid.toString()], { timeoutMs: 60_000 });
        await kubo.ipfs(['dag', 'stat', '--offline', '--progress=false', cid.toString()]);
        expect(node.stats().blocksServed).toBeGreaterThan(60);
        expect(disconnected).toEqual([]);
      } finally {
        await node.stop();
        await rm(parent, { recursive: true, force: true });
      }
    },
    IDLE_MS + 90_000,
  );
});
