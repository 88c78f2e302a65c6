import { beforeAll, describe, expect, it } from 'vitest';
import { peerBinary } from '../support/peers.js';
import { startKubo } from '../support/kubo.js';
import { existsSync } from 'node:fs';

describe('startKubo (test peer helper)', () => {
  beforeAll(() => {
    peerBinary('ipfs');
  });

  it('runs an isolated daemon on loopback and cleans up after itself', async () => {
    const kubo = await startKubo({ gateway: true });
    try {
      expect(kubo.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(kubo.gatewayUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(kubo.swarmAddrs.length).toBeGreaterThan(0);
      for (const addr of kubo.swarmAddrs) {
        expect(addr).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${kubo.peerId}$`));
      }

      const id = await fetch(`${kubo.apiUrl}/api/v0/id`, { method: 'POST' });
      expect(id.status).toBe(200);
      expect(((await id.json()) as { ID: string }).ID).toBe(kubo.peerId);

      const { stdout: cid } = await kubo.ipfs(['add', '-Q', '--cid-version=1'], { input: 'hello peers\n' });
      const { stdout } = await kubo.ipfs(['cat', cid.trim()]);
      expect(stdout).toBe('hello peers\n');
      const viaGateway = await fetch(`${kubo.gatewayUrl}/ipfs/${cid.trim()}`);
      expect(await viaGateway.text()).toBe('hello peers\n');

      const { stdout: peers } = await kubo.ipfs(['bootstrap', 'list']);
      expect(peers.trim()).toBe('');
    } finally {
      await kubo.stop();
    }
    expect(existsSync(kubo.repoPath)).toBe(false);
    await kubo.stop();
  });

  it('connects two daemons over their loopback swarm addresses', async () => {
    await using a = await startKubo();
    await using b = await startKubo();
    const [addr] = a.swarmAddrs;
    await b.ipfs(['swarm', 'connect', addr as string]);
    const { stdout: cid } = await a.ipfs(['add', '-Q'], { input: 'fetched over bitswap\n' });
    const { stdout } = await b.ipfs(['cat', cid.trim()], { timeoutMs: 20_000 });
    expect(stdout).toBe('fetched over bitswap\n');
  });
});
