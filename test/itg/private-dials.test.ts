// The embedded node's connection gater: with private addresses not allowed, no spelling of
// this machine and no name that resolves to it gets a connection, whoever asked for it.
import { lookup } from 'node:dns/promises';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode } from '../../src/lib/node/index.js';
import type { IpfsNode } from '../../src/lib/node/index.js';
import { isPrivateIpAddress } from '../../src/lib/util/private-address.js';

const PEER = '12D3KooWJx1aT4uWnDu6vB8ab8dT8t3p3nTCvKGQ3YFXx1XkHy4V';

describe('embedded node: dials to private addresses', () => {
  let node: IpfsNode;
  let port: number;
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('error', () => {});
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], dialTimeoutMs: 2_000 });
  });
  afterAll(async () => {
    await node?.stop();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('are denied after DNS when not allowed: IP spellings, localhost, and a plain name that resolves here', async () => {
    // This machine's own name: not "localhost", so only its resolved address tells.
    const name = hostname();
    const resolved = await lookup(name, { all: true, family: 4 });
    expect(resolved.length).toBeGreaterThan(0);
    expect(resolved.every((a) => isPrivateIpAddress(a.address))).toBe(true);
    const results = await node.dial(
      [
        `/ip4/127.0.0.1/tcp/${port}/p2p/${PEER}`,
        `/ip6/::ffff:127.0.0.1/tcp/${port}/p2p/${PEER}`,
        `/dns4/localhost/tcp/${port}/p2p/${PEER}`,
        `/dns4/${name}/tcp/${port}/p2p/${PEER}`,
        `/dns/${name}/tcp/${port}`,
      ],
      { allowPrivate: false },
    );
    for (const r of results)
      expect(r, r.multiaddr).toMatchObject({
        ok: false,
        error: expect.stringMatching(/private or loopback/),
      });
    expect(connections).toBe(0);
  });

  it('stay denied for a peer that another dial allowed them for, whatever name a service gives it', async () => {
    // A self-hosted service named this peer at a private address (allowed); a public service
    // then names the same peer id at a name that resolves to a private address, or at a
    // private IP: the first allowance is for the first dial's addresses, not for the peer.
    const peer = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo';
    const [allowed] = await node.dial([`/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`], { allowPrivate: true });
    expect(allowed?.ok).toBe(false); // the socket never speaks libp2p
    const before = connections;
    expect(before).toBeGreaterThan(0);
    const results = await node.dial(
      [
        `/dns4/localhost/tcp/${port}/p2p/${peer}`,
        `/dns4/${hostname()}/tcp/${port}/p2p/${peer}`,
        `/ip4/127.0.0.1/tcp/${port}/p2p/${peer}`,
      ],
      { allowPrivate: false },
    );
    for (const r of results)
      expect(r, r.multiaddr).toMatchObject({
        ok: false,
        error: expect.stringMatching(/private or loopback|allowed private addresses/),
      });
    expect(connections).toBe(before);
  });

  it('go through when the caller allows them (the default of a dial by hand)', async () => {
    const [result] = await node.dial([`/dns4/localhost/tcp/${port}/p2p/${PEER}`]);
    expect(result?.ok).toBe(false); // the socket never speaks libp2p
    expect(connections).toBeGreaterThan(0);
  });
});
