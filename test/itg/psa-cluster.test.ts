import { createServer, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPinningClient } from '../../src/lib/psa/client.js';
import type { PinStatus, PinningClient } from '../../src/lib/psa/types.js';
import type { IpfsPinError } from '../../src/lib/errors.js';
import { collect, failure } from '../support/psa-asserts.js';
import { startCluster } from '../support/cluster.js';
import type { Cluster } from '../support/cluster.js';

// The PSA client against a real IPFS Cluster pinning API: POST answers 200, requestid is
// the CID, results are unsorted and `before` is inclusive (FIELD-NOTES).
const ALL = ['queued', 'pinning', 'pinned', 'failed'] as const;

describe('PSA client against IPFS Cluster (real peer)', () => {
  let cluster: Cluster;
  let client: PinningClient;

  async function localCid(text: string): Promise<string> {
    const { stdout } = await cluster.kubo.ipfs(['add', '-Q', '--cid-version=1', '--pin=false'], {
      input: text,
    });
    return stdout.trim();
  }

  async function waitPinned(requestid: string): Promise<PinStatus> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const pin = await client.get(requestid);
      if (pin.status === 'pinned' || pin.status === 'failed' || Date.now() > deadline) return pin;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  beforeAll(async () => {
    cluster = await startCluster();
    client = createPinningClient({
      endpoint: `${cluster.psaEndpoint}/`,
      token: cluster.token,
      retryBaseMs: 50,
    });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('adds (200 instead of 202), gets until pinned, lists by CID and removes', async () => {
    const cid = await localCid(`client lifecycle ${Date.now()}\n`);
    const added = await client.add({ cid, name: 'client-itg', meta: { suite: 'psa-cluster' } });
    expect(added.requestid).toBe(cid);
    expect(added.delegates).toEqual(cluster.delegates);
    expect((await waitPinned(added.requestid)).status).toBe('pinned');

    const listed = await collect(client.list({ cid: [cid], status: [...ALL] }));
    expect(listed.map((p) => p.requestid)).toEqual([cid]);

    await client.remove(added.requestid);
    const deadline = Date.now() + 15_000;
    let gone: IpfsPinError | undefined;
    while (gone === undefined && Date.now() < deadline) {
      gone = await client.get(added.requestid).then(
        () => undefined,
        (err: unknown) => err as IpfsPinError,
      );
      if (gone === undefined) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(gone?.code).toBe('PSA_NOT_FOUND');
  });

  it('lists every pin once across pages despite unsorted results and an inclusive before', async () => {
    const cids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const cid = await localCid(`page ${i} ${Date.now()}\n`);
      cids.push(cid);
      await client.add({ cid, name: `page-${i}` });
    }
    const got = await collect(client.list({ cid: cids, status: [...ALL], limit: 5 }));
    expect(got.map((p) => p.requestid).sort()).toEqual([...cids].sort());
  });

  it('sends a lookup, a pin and a status on one connection, not a handshake each', async () => {
    // A TCP relay in front of the pinning API counts the connections the client opens.
    const target = new URL(cluster.psaEndpoint);
    let connections = 0;
    const relay = createServer((socket) => {
      connections++;
      const upstream = connect(Number(target.port), target.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const viaRelay = createPinningClient({
        endpoint: `http://127.0.0.1:${(relay.address() as AddressInfo).port}${target.pathname}`,
        token: cluster.token,
      });
      const cid = await localCid(`one connection ${Date.now()}\n`);
      // What the pin flow does back to back: look for the CID, pin it, ask how it goes.
      expect(await collect(viaRelay.list({ cid: [cid], status: [...ALL] }))).toEqual([]);
      const added = await viaRelay.add({ cid, name: 'one-connection' });
      await viaRelay.get(added.requestid);
      expect(connections).toBe(1);
      await client.remove(added.requestid);
    } finally {
      relay.close();
    }
  });

  it('maps a wrong token to PSA_UNAUTHORIZED without repeating it', async () => {
    const wrong = `${cluster.token}x`;
    const bad = createPinningClient({ endpoint: cluster.psaEndpoint, token: wrong });
    const err = await failure(bad.get('bafkqaaa'));
    expect(err).toMatchObject({ code: 'PSA_UNAUTHORIZED', status: 401 });
    expect(`${err.message} ${JSON.stringify(err)} ${err.details ?? ''}`).not.toContain(cluster.token);
  });
});
