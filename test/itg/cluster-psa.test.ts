import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../support/cluster.js';
import { startKubo } from '../support/kubo.js';
import { peerBinary } from '../support/peers.js';

interface PinStatus {
  requestid: string;
  status: 'queued' | 'pinning' | 'pinned' | 'failed';
  pin: { cid: string; name?: string };
  delegates: string[];
}

describe('IPFS Cluster as a Pinning Service API (real peer)', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    peerBinary('ipfs');
    peerBinary('ipfs-cluster-service');
    peerBinary('ipfs-cluster-ctl');
    cluster = await startCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  const psa = (path: string, init: RequestInit = {}, token: string | null = cluster.token) =>
    fetch(`${cluster.psaEndpoint}${path}`, {
      ...init,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
    });

  it('answers GET /pins with the token and 401 without or with a wrong one', async () => {
    const ok = await psa('/pins');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ count: 0, results: [] });

    expect((await psa('/pins', {}, null)).status).toBe(401);
    expect((await psa('/pins', {}, `${cluster.token}x`)).status).toBe(401);

    const { user, password } = cluster.basicAuth;
    const basic = await fetch(`${cluster.psaEndpoint}/pins`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it('pins a CID its kubo holds to `pinned`, and ipfs-cluster-ctl agrees', async () => {
    const { stdout } = await cluster.kubo.ipfs(['add', '-Q', '--cid-version=1', '--pin=false'], {
      input: `cluster pin ${Date.now()}\n`,
    });
    const cid = stdout.trim();

    const created = await psa('/pins', { method: 'POST', body: JSON.stringify({ cid, name: 'itg' }) });
    // ipfs-cluster answers 200 (the spec says 202) and uses the CID as requestid.
    expect([200, 202]).toContain(created.status);
    const first = (await created.json()) as PinStatus;
    expect(first.pin.cid).toBe(cid);
    expect(first.requestid).toBe(cid);
    // Cluster hands out only non-private kubo addresses; our kubo announces /dns4/localhost.
    expect(first.delegates).toEqual(cluster.delegates);
    expect(cluster.delegates).toEqual([
      expect.stringMatching(new RegExp(`^/dns4/localhost/tcp/\\d+/p2p/${cluster.kubo.peerId}$`)),
    ]);

    let status = first.status;
    const deadline = Date.now() + 30_000;
    while (status !== 'pinned' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const got = await psa(`/pins/${first.requestid}`);
      expect(got.status).toBe(200);
      status = ((await got.json()) as PinStatus).status;
      expect(status).not.toBe('failed');
    }
    expect(status).toBe('pinned');

    const { stdout: ctlOut } = await cluster.ctl(['--enc=json', 'status', cid]);
    const peerMap = (JSON.parse(ctlOut) as { peer_map: Record<string, { status: string }> }).peer_map;
    expect(Object.values(peerMap).map((peer) => peer.status)).toEqual(['pinned']);

    const { stdout: pins } = await cluster.kubo.ipfs(['pin', 'ls', '--type=recursive', '-q']);
    expect(pins.split('\n')).toContain(cid);

    const listed = (await (await psa(`/pins?cid=${cid}`)).json()) as { count: number; results: PinStatus[] };
    expect(listed.count).toBe(1);
    expect(listed.results[0]?.status).toBe('pinned');
  });

  it('fetches a pin over bitswap from a peer that dialled its delegate', async () => {
    await using source = await startKubo();
    const { stdout } = await source.ipfs(['add', '-Q', '--cid-version=1'], {
      input: `served ${Date.now()}\n`,
    });
    const cid = stdout.trim();
    await source.ipfs(['swarm', 'connect', cluster.delegates[0] as string]);

    const created = await psa('/pins', { method: 'POST', body: JSON.stringify({ cid }) });
    expect([200, 202]).toContain(created.status);
    let status = ((await created.json()) as PinStatus).status;
    const deadline = Date.now() + 30_000;
    while (status !== 'pinned' && status !== 'failed' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      status = ((await (await psa(`/pins/${cid}`)).json()) as PinStatus).status;
    }
    expect(status).toBe('pinned');
    const { stdout: content } = await cluster.kubo.ipfs(['cat', '--offline', cid]);
    expect(content).toMatch(/^served /);
  });
});
