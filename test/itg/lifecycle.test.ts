// The rest of a preview's life, on real servers on loopback: removing every pin of a name
// (removePins) against the npm mock service, and proving the link works (verifyCid) through
// the gateway of the kubo an IPFS Cluster pins to, and through one that lacks the data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPinningClient, pinDirectory, removePins, verifyCid } from '../../src/lib/index.js';
import { startCluster } from '../support/cluster.js';
import type { Cluster } from '../support/cluster.js';
import { json, startFaultServer } from '../support/fault-server.js';
import { startKubo } from '../support/kubo.js';
import type { Kubo } from '../support/kubo.js';
import { startMockPsa } from '../support/mock-psa.js';
import { makeSite } from '../e2e/pin-helpers.js';

const CIDS = [
  'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
  'bafkreidgvpkjawlxz6sffxzwgooowe5yt7i6wsyg236mfoks77nywkptdq',
  'bafkreiaxnnnb7qz2focittuqq3ya25q7rcv3bqynnczfzako47346wosmu',
];

describe('removePins', () => {
  it('removes every pin of the name on every service (listing all four statuses), and no other', async () => {
    const a = await startMockPsa({ token: 'tok-aaaaaaaa' });
    const b = await startMockPsa({ token: 'tok-bbbbbbbb' });
    try {
      // The mock takes a pin's status from its name's prefix: one name per status here would
      // change the name, so the statuses come from the same-named pins on two services.
      const ca = createPinningClient({ endpoint: a.url, token: 'tok-aaaaaaaa' });
      const cb = createPinningClient({ endpoint: b.url, token: 'tok-bbbbbbbb' });
      const name = 'pinned-acme/site#pr-7';
      await ca.add({ cid: CIDS[0] as string, name });
      await ca.add({ cid: CIDS[1] as string, name });
      await ca.add({ cid: CIDS[2] as string, name: 'pinned-acme/site#pr-8' });
      await cb.add({ cid: CIDS[0] as string, name });
      await cb.add({ cid: CIDS[2] as string, name: 'queued-other' });
      const result = await removePins({
        name,
        services: [
          { endpoint: a.url, token: 'tok-aaaaaaaa', minIntervalMs: 0 },
          { endpoint: b.url, token: 'tok-bbbbbbbb', minIntervalMs: 0 },
        ],
      });
      expect(result).toMatchObject({ name, removed: 3, ok: true });
      expect(result.services.map((s) => s.removed.length)).toEqual([2, 1]);
      const left = async (c: typeof ca): Promise<string[]> => {
        const out: string[] = [];
        for await (const p of c.list({ status: ['queued', 'pinning', 'pinned', 'failed'] }))
          out.push(p.pin.name ?? '');
        return out.sort();
      };
      expect(await left(ca)).toEqual(['pinned-acme/site#pr-8']);
      expect(await left(cb)).toEqual(['queued-other']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reports a failing service on its own and still cleans the others', async () => {
    const good = await startMockPsa({ token: 'tok-goodgood' });
    await using bad = await startFaultServer({
      handler: () => json(401, { error: { reason: 'UNAUTHORIZED' } }),
    });
    try {
      await createPinningClient({ endpoint: good.url, token: 'tok-goodgood' }).add({
        cid: CIDS[0] as string,
        name: 'pinned-x',
      });
      const result = await removePins({
        name: 'pinned-x',
        services: [
          { endpoint: good.url, token: 'tok-goodgood', minIntervalMs: 0 },
          { endpoint: bad.url, token: 'tok-badbadbad', minIntervalMs: 0 },
        ],
      });
      expect(result.ok).toBe(false);
      expect(result.removed).toBe(1);
      expect(result.services[1]?.error?.code).toBe('PSA_UNAUTHORIZED');
    } finally {
      await good.close();
    }
  });

  it('needs a name', async () => {
    await expect(
      removePins({ name: ' ', services: [{ endpoint: 'http://127.0.0.1:9' }] }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe('verifyCid', () => {
  let cluster: Cluster;
  let empty: Kubo;
  let site: string;
  let cid: string;
  let dag: { blocks: number; bytes: number };
  beforeAll(async () => {
    cluster = await startCluster({ kubo: { gateway: true } });
    empty = await startKubo({ gateway: true });
    site = await makeSite(8);
    const result = await pinDirectory({
      path: site,
      services: [{ endpoint: cluster.psaEndpoint, token: cluster.token }],
      timeoutMs: 90_000,
    });
    expect(result.ok).toBe(true);
    cid = result.cid;
    dag = result.import.dag;
  }, 180_000);
  afterAll(async () => {
    await cluster?.stop();
    await empty?.stop();
  });

  it('passes through the gateway of the kubo the cluster pinned to: every block checked, the DAG complete', async () => {
    const gateway = `${cluster.kubo.gatewayUrl ?? ''}/ipfs/{cid}/`;
    // Bounded by what the import made: an honest gateway's CAR fits exactly.
    const result = await verifyCid(cid, { gateway, timeoutMs: 30_000, dag });
    expect(result.cid).toBe(cid);
    expect(result.blocks).toBeLessThanOrEqual(dag.blocks);
    expect(result.bytes).toBeLessThanOrEqual(dag.bytes);
    expect(result.blocks).toBeGreaterThan(8);
    expect(result.url).toContain('format=car');
  }, 60_000);

  it('fails with VERIFY_FAILED after its timeout through a gateway that does not have the data', async () => {
    const gateway = `${empty.gatewayUrl ?? ''}/ipfs/{cid}/`;
    const events: string[] = [];
    const err = await verifyCid(cid, {
      gateway,
      timeoutMs: 6_000,
      attemptTimeoutMs: 2_000,
      onProgress: (e) => events.push(e.type),
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VERIFY_FAILED' });
    expect((err as Error).message).toContain(cid);
    expect(events).toContain('verify:attempt:failed');
  }, 60_000);

  it('fails when a gateway sends blocks that do not hash to their CIDs', async () => {
    // A CAR of the right root whose one block holds other bytes.
    const { CarWriter } = await import('@ipld/car/writer');
    const { CID } = await import('multiformats/cid');
    const root = CID.parse(CIDS[0] as string);
    const { writer, out } = CarWriter.create([root]);
    const parts: Uint8Array[] = [];
    const collect = (async () => {
      for await (const p of out) parts.push(p);
    })();
    await writer.put({ cid: root, bytes: new TextEncoder().encode('not the content') });
    await writer.close();
    await collect;
    await using liar = await startFaultServer({
      handler: () => ({
        status: 200,
        headers: { 'content-type': 'application/vnd.ipld.car' },
        body: Buffer.concat(parts),
      }),
    });
    const err = await verifyCid(root.toString(), {
      gateway: `${liar.url}/ipfs/{cid}`,
      timeoutMs: 2_500,
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VERIFY_FAILED' });
    expect((err as Error).message).toMatch(/does not hash to its CID/);
  }, 30_000);

  it('refuses a gateway with no place for the CID', async () => {
    await expect(verifyCid(CIDS[0] as string, { gateway: 'https://gw.example/x?y=1' })).rejects.toMatchObject(
      { code: 'INVALID_INPUT' },
    );
  });
});
