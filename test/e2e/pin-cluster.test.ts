import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../support/cluster.js';
import type { Cluster } from '../support/cluster.js';
import { ipfsPin, makeSite } from './pin-helpers.js';

// IPFS Cluster's pinning API: requestid = CID, POST answers 200, delegates are its kubo.
// startCluster throws when the peers are missing: in CI that fails the run, never skips.
describe('ipfs-pin pin to IPFS Cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('reaches pinned: the cluster kubo fetches from our embedded node and ctl agrees', async () => {
    const site = await makeSite(6);
    const run = await ipfsPin(
      ['pin', site, '--endpoint', cluster.psaEndpoint, '--timeout', '90s', '--json'],
      {
        env: { IPFS_PIN_TOKEN: cluster.token },
        timeoutMs: 150_000,
      },
    );
    expect(run.code, `${run.stderr}\n${cluster.logs().slice(-3000)}`).toBe(0);
    const result = JSON.parse(run.stdout) as {
      cid: string;
      services: { requestid: string; status: string; dialled: { ok: boolean }[] }[];
      served: { blocks: number };
    };
    const [service] = result.services;
    expect(service?.status).toBe('pinned');
    expect(service?.requestid).toBe(result.cid);
    expect(service?.dialled.some((d) => d.ok)).toBe(true);
    expect(result.served.blocks).toBeGreaterThan(0);

    const { stdout } = await cluster.ctl(['--enc=json', 'status', result.cid]);
    const status = JSON.parse(stdout) as { peer_map: Record<string, { status: string }> };
    const peers = Object.values(status.peer_map);
    expect(peers.length).toBeGreaterThan(0);
    expect(peers.every((p) => p.status === 'pinned')).toBe(true);
  });
});
