// While a big tree is imported, the early token check lists one pin the service already
// holds; the node dials that pin's delegates meanwhile, so the connection is up when our pin
// is submitted. Same private-address rule as every delegate dial.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pinDirectory } from '../../src/lib/index.js';
import { startBitswapPeer } from '../support/bitswap-peer.js';
import { json, startFaultServer } from '../support/fault-server.js';
import type { RecordedRequest, Reply } from '../support/fault-server.js';
import { makeTree } from '../support/make-tree.js';
import { pinStatus } from '../support/psa-fixtures.js';

const OLD_CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

/** A service that lists one old pin (with `listed` delegates) and pins ours at once. */
function service(listed: string[], onPost: () => void): (req: RecordedRequest) => Reply {
  let cid = '';
  return (req) => {
    if (req.method === 'GET' && req.path === '/pins') {
      // The early check asks for any pin; the lookup asks for ours (none yet).
      if (req.query.get('cid') !== null) return json(200, { count: 0, results: [] });
      const old = pinStatus({ requestid: 'old', cid: OLD_CID, status: 'pinned', delegates: listed });
      return json(200, { count: 1, results: [old] });
    }
    if (req.method === 'POST' && req.path === '/pins') {
      onPost();
      cid = (JSON.parse(req.body) as { cid: string }).cid;
      return json(202, pinStatus({ requestid: 'ours', cid, status: 'pinned', delegates: [] }));
    }
    if (req.method === 'GET' && req.path === '/pins/ours')
      return json(200, pinStatus({ requestid: 'ours', cid, status: 'pinned', delegates: [] }));
    return json(404, { error: { reason: 'NOT_FOUND' } });
  };
}

// 1,000 files: a big import, as the early check counts them.
const bigTree = (seed: number) => makeTree({ files: 1_000, bytes: 8 * 1_048_576, shape: 'nested', seed });

describe('the delegates of a pin the service already holds', () => {
  it('are connected before our pin is submitted', async () => {
    await using peer = await startBitswapPeer();
    let connectedAt: number | undefined;
    peer.libp2p.addEventListener('peer:connect', () => (connectedAt ??= Date.now()));
    let postAt: number | undefined;
    const listed = peer.multiaddrs;
    expect(listed.every((a) => a.endsWith(`/p2p/${peer.peerId}`))).toBe(true);
    await using server = await startFaultServer({
      handler: service(listed, () => (postAt = Date.now())),
    });
    const tree = await bigTree(11);
    try {
      const result = await pinDirectory({
        path: tree.dir,
        services: [{ endpoint: server.url, token: 'tok-12345678' }],
        timeoutMs: 30_000,
      });
      expect(result.ok).toBe(true);
      expect(server.requests.some((r) => r.path === '/pins' && r.query.get('limit') === '1')).toBe(true);
      expect(postAt).toBeDefined();
      expect(connectedAt).toBeDefined();
      // Before: the first dial went out after the POST's answer.
      expect(connectedAt ?? Infinity).toBeLessThanOrEqual(postAt ?? 0);
    } finally {
      await rm(tree.dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('on internal addresses are not dialled for a public service', async () => {
    let connections = 0;
    const probe = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    const peer = '12D3KooWJx1aT4uWnDu6vB8ab8dT8t3p3nTCvKGQ3YFXx1XkHy4V';
    // A public address our node cannot dial (no QUIC here) fails at once and says so: the
    // proof that the listed pin's delegates reached the early dial, minus the private ones.
    const publicOne = `/ip4/8.8.8.8/udp/4001/quic-v1/p2p/${peer}`;
    const internal = [`/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`, `/ip4/10.1.2.3/tcp/4001/p2p/${peer}`];
    await using server = await startFaultServer({ handler: service([...internal, publicOne], () => {}) });
    const tree = await bigTree(12);
    const dials: string[] = [];
    try {
      const result = await pinDirectory({
        path: tree.dir,
        // As a public service would be: the endpoint on loopback here is only the test's.
        services: [{ endpoint: server.url, token: 'tok-12345678', privateDelegates: false }],
        timeoutMs: 30_000,
        onProgress: (e) => {
          if (e.type === 'node:dial:done') dials.push(e.detail.multiaddr);
        },
      });
      expect(result.ok).toBe(true);
      expect(dials).toEqual([publicOne]);
      expect(connections).toBe(0);
    } finally {
      probe.close();
      await rm(tree.dir, { recursive: true, force: true });
    }
  }, 60_000);
});
