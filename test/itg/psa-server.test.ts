// tools/psa-server against a real Helia 7 peer on loopback: pins reach `pinned` only when the
// data is served, and the workarounds for @helia/pinning-service-api-server 1.0.4 hold.
import { randomBytes } from 'node:crypto';
import { importer } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multiaddr } from '@multiformats/multiaddr';
import type { CID } from 'multiformats/cid';
import { startHeliaSource } from '../support/helia-fetcher.js';
import { startPsaServer, type PsaServer } from '../support/psa-server.js';

interface PinStatus {
  requestid: string;
  status: 'queued' | 'pinning' | 'pinned' | 'failed';
  pin: { cid: string; origins?: string[] };
  delegates: string[];
}

/** A valid peer id nobody runs; with port 1 on loopback, dialling it fails at once. */
const NOBODY = '12D3KooWBdTeSe9Rp1ss7nn6PLBfPzpUb55EDHBZdD7MSXqLJnaE';

let server: PsaServer;

beforeAll(async () => {
  server = await startPsaServer();
});

afterAll(async () => {
  await server?.stop();
});

async function psa(path: string, init: RequestInit & { token?: string } = {}): Promise<Response> {
  return fetch(`${server.endpoint}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${init.token ?? server.token}`,
      ...(init.body ? { 'content-type': 'application/json' } : {}),
    },
  });
}

async function pin(cid: string, origins?: string[]): Promise<PinStatus> {
  const res = await psa('/pins', { method: 'POST', body: JSON.stringify({ cid, origins }) });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as PinStatus;
}

async function status(requestid: string): Promise<PinStatus> {
  const res = await psa(`/pins/${requestid}`);
  expect(res.status).toBe(200);
  return (await res.json()) as PinStatus;
}

async function waitFor(
  requestid: string,
  want: PinStatus['status'],
  timeoutMs = 30_000,
): Promise<PinStatus[]> {
  const seen: PinStatus[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(requestid);
    seen.push(s);
    if (s.status === want) return seen;
    if (s.status === 'failed') throw new Error(`pin ${requestid} failed\n${server.logs()}`);
    if (Date.now() > deadline) throw new Error(`pin ${requestid} still ${s.status}\n${server.logs()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A Helia 7 peer that holds a fresh random tree (so nobody else can serve it) and listens
 * nowhere: the service can only fetch over the connection this peer opens.
 */
async function startSource(options: { chunkSize?: number; bigFileBytes?: number } = {}) {
  const files = [
    { path: 'site/index.html', content: randomBytes(1_000) },
    { path: 'site/big.bin', content: randomBytes(options.bigFileBytes ?? 600 * 1024) },
    { path: 'site/a/b.txt', content: randomBytes(10) },
  ];
  let root: string | undefined;
  const made: { cid: string; bytes: Uint8Array }[] = [];
  const collect = {
    put: async (cid: CID, bytes: Uint8Array) => {
      made.push({ cid: cid.toString(), bytes: Uint8Array.prototype.slice.call(bytes) });
      return cid;
    },
  };
  for await (const entry of importer(files, collect, {
    cidVersion: 1,
    rawLeaves: true,
    wrapWithDirectory: false,
    ...(options.chunkSize ? { chunker: fixedSize({ chunkSize: options.chunkSize }) } : {}),
  })) {
    if (entry.path === 'site') root = entry.cid.toString();
  }
  if (root === undefined) throw new Error('no root from the importer');
  const helia = await startHeliaSource(made);
  return {
    root,
    blocks: made.length,
    serveTo: (addrs: string[]) => helia.serveTo(addrs),
    stop: () => helia.stop(),
  };
}

describe('tools/psa-server', () => {
  it('rejects a wrong or missing token with 401 and the spec error body', async () => {
    const wrong = await psa('/pins', { token: 'not-the-token' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { reason: expect.any(String) } });
    const none = await fetch(`${server.endpoint}/pins`);
    expect(none.status).toBe(401);
    expect((await psa('/pins')).status).toBe(200);
  });

  it('hands out its own loopback listen addresses as delegates, each ending in /p2p/<id>', async () => {
    const source = await startSource();
    try {
      const s = await pin(source.root);
      expect(s.delegates).toEqual(server.multiaddrs);
      for (const d of s.delegates) {
        expect(d).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//);
        expect(multiaddr(d).getComponents().at(-1)?.value).toBe(server.peerId);
      }
      await psa(`/pins/${s.requestid}`, { method: 'DELETE' });
    } finally {
      await source.stop();
    }
  });

  it('keeps an unserved pin short of pinned, survives polling, and pins once the data is served', async () => {
    const source = await startSource();
    try {
      const created = await pin(source.root);
      expect(created.status).toBe('queued');

      // Nobody serves it yet: polls must see it waiting, not failed.
      const early: string[] = [];
      for (let i = 0; i < 20; i++) {
        early.push((await status(created.requestid)).status);
        await psa('/pins?status=queued,pinning,pinned,failed');
      }
      expect(early.every((s) => s === 'queued' || s === 'pinning')).toBe(true);
      expect(await server.hasDag(source.root)).toMatchObject({ complete: false, pinned: false });

      // Serve it: the source dials the delegate, the service fetches over that connection.
      await source.serveTo(created.delegates);
      const seen = await waitFor(created.requestid, 'pinned');
      expect(seen.map((s) => s.status)).not.toContain('failed');

      // A finished pin stays finished (in 1.0.4 it turned failed: provide() throws with no routers).
      for (let i = 0; i < 20; i++) expect((await status(created.requestid)).status).toBe('pinned');
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await status(created.requestid)).status).toBe('pinned');

      expect(await server.hasDag(source.root)).toEqual({
        complete: true,
        blocks: source.blocks,
        pinned: true,
      });
      expect(await server.hasBlock(source.root)).toBe(true);
      const listed = (await (await psa(`/pins?cid=${source.root}`)).json()) as { count: number };
      expect(listed.count).toBe(1);
    } finally {
      await source.stop();
    }
  });

  it('pins a many-block DAG while it is polled hard, never failed nor back from pinned (one pin store, fault 1)', async () => {
    // Many small blocks, so the fetch takes seconds and polls land all through it and at its end.
    // In 1.0.4 each poll started another job walking the whole DAG: the pin never finished.
    const source = await startSource({ chunkSize: 1024, bigFileBytes: 128 * 1024 });
    const created = await pin(source.root);
    const seen: string[] = [];
    let done = false;
    const poller = async () => {
      while (!done) {
        seen.push((await status(created.requestid)).status);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const pollers = Array.from({ length: 6 }, poller);
    try {
      await source.serveTo(created.delegates);
      const deadline = Date.now() + 40_000;
      while (!seen.includes('pinned') && !seen.includes('failed')) {
        if (Date.now() > deadline) throw new Error(`not pinned in 40 s under polling: ${seen.at(-1)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Keep polling a while after pinned: a late duplicate job would flip it.
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      done = true;
      await Promise.allSettled(pollers);
      await source.stop();
    }
    expect(seen).not.toContain('failed');
    const firstPinned = seen.indexOf('pinned');
    expect(seen.slice(firstPinned).filter((s) => s !== 'pinned')).toEqual([]);
    expect(await server.hasDag(source.root)).toEqual({ complete: true, blocks: source.blocks, pinned: true });
  }, 90_000);

  it('keeps a cancelled pin cancelled when its data shows up later', async () => {
    const source = await startSource();
    try {
      const created = await pin(source.root);
      // Polls before the DELETE: no job for the pin may survive the cancel.
      for (let i = 0; i < 5; i++) await status(created.requestid);
      expect((await psa(`/pins/${created.requestid}`, { method: 'DELETE' })).status).toBe(202);
      expect((await psa(`/pins/${created.requestid}`)).status).toBe(404);

      await source.serveTo(created.delegates);
      await new Promise((r) => setTimeout(r, 2_000));
      expect((await psa(`/pins/${created.requestid}`)).status).toBe(404);
      expect((await server.hasDag(source.root)).pinned).toBe(false);
    } finally {
      await source.stop();
    }
  });

  it('treats origins as hints: an unreachable origin does not fail the pin (fault 2)', async () => {
    const source = await startSource();
    try {
      const created = await pin(source.root, [`/ip4/127.0.0.1/tcp/1/p2p/${NOBODY}`]);
      // Once the refused dial has come back (the service logs it), the pin must still be alive.
      const deadline = Date.now() + 30_000;
      while (!server.logs().includes('origin dial failed (ignored)')) {
        if (Date.now() > deadline) throw new Error(`the origin dial never failed\n${server.logs()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(['queued', 'pinning']).toContain((await status(created.requestid)).status);
      await source.serveTo(created.delegates);
      await waitFor(created.requestid, 'pinned');
      expect(await server.hasDag(source.root)).toMatchObject({ complete: true, blocks: source.blocks });
    } finally {
      await source.stop();
    }
  });

  it('says what it lacks: the test routes read only its own blockstore', async () => {
    const absent = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
    expect(await server.hasBlock(absent)).toBe(false);
    expect(await server.hasDag(absent)).toEqual({ complete: false, blocks: 0, pinned: false });
  });
});
