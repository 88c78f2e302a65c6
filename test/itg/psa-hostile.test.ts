// The library against hostile answers: requestids that would leave /pins/, and delegates on
// internal addresses that a runner must not be steered to dial.
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createPinningClient, pinDirectory } from '../../src/lib/index.js';
import type { PinFlowProgressEvent } from '../../src/lib/index.js';
import { json, startFaultServer } from '../support/fault-server.js';
import { startHostilePsa } from '../support/hostile-psa.js';
import { pinStatus } from '../support/psa-fixtures.js';
import { makeSite } from '../e2e/pin-helpers.js';

describe('requestids', () => {
  it('refuses . and .. and control characters before any request', async () => {
    await using server = await startFaultServer({ handler: () => json(200, pinStatus()) });
    const client = createPinningClient({ endpoint: server.url, token: 'tok-12345678' });
    for (const id of ['..', '.', 'a\nb', 'x'.repeat(300)]) {
      await expect(client.get(id)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(client.remove(id)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(server.requests).toEqual([]);
  });

  it('takes no such requestid from a service: PSA_BAD_RESPONSE', async () => {
    await using server = await startFaultServer({ handler: () => json(202, pinStatus({ requestid: '..' })) });
    const client = createPinningClient({ endpoint: server.url, token: 'tok-12345678', maxAttempts: 1 });
    await expect(
      client.add({ cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' }),
    ).rejects.toMatchObject({
      code: 'PSA_BAD_RESPONSE',
    });
  });
});

describe('delegates on internal addresses', () => {
  const listen = async (): Promise<{ server: Server; port: number; connections: () => number }> => {
    let n = 0;
    const server = createServer((socket) => {
      n++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port, connections: () => n };
  };

  it('are not dialled unless the endpoint is private or privateDelegates is set, and say why', async () => {
    const probe = await listen();
    const peer = '12D3KooWJx1aT4uWnDu6vB8ab8dT8t3p3nTCvKGQ3YFXx1XkHy4V';
    const internal = [
      `/ip4/127.0.0.1/tcp/${probe.port}/p2p/${peer}`,
      `/ip4/169.254.169.254/tcp/80/p2p/${peer}`,
      `/ip4/10.1.2.3/tcp/4001/p2p/${peer}`,
    ];
    const hostile = await startHostilePsa({
      statusOnPoll: (poll) => (poll >= 2 ? 'failed' : 'pinning'),
      delegates: () => internal,
    });
    const site = await makeSite(2);
    const events: PinFlowProgressEvent[] = [];
    try {
      const result = await pinDirectory({
        path: site,
        // As a public service would be: the endpoint on loopback here is only the test's.
        services: [{ endpoint: hostile.url, token: 'tok-12345678', privateDelegates: false }],
        timeoutMs: 30_000,
        onProgress: (e) => events.push(e),
      });
      expect(result.ok).toBe(false);
      const dialled = events.filter((e) => e.type === 'pin:delegate:dialled').map((e) => e.detail);
      expect(dialled.map((d) => d.multiaddr).sort()).toEqual([...internal].sort());
      expect(
        dialled.every((d) => !d.ok && /private or loopback address, not dialled/.test(d.error ?? '')),
      ).toBe(true);
      expect(probe.connections()).toBe(0);
    } finally {
      await hostile.close();
      probe.server.close();
    }
  }, 60_000);

  it('are dialled for a service on loopback itself (a self-hosted cluster)', async () => {
    const probe = await listen();
    const peer = '12D3KooWJx1aT4uWnDu6vB8ab8dT8t3p3nTCvKGQ3YFXx1XkHy4V';
    const hostile = await startHostilePsa({
      statusOnPoll: (poll) => (poll >= 3 ? 'failed' : 'pinning'),
      delegates: () => [`/ip4/127.0.0.1/tcp/${probe.port}/p2p/${peer}`],
    });
    const site = await makeSite(2);
    try {
      await pinDirectory({
        path: site,
        services: [{ endpoint: hostile.url, token: 'tok-12345678' }],
        timeoutMs: 30_000,
      });
      expect(probe.connections()).toBeGreaterThan(0);
    } finally {
      await hostile.close();
      probe.server.close();
    }
  }, 60_000);
});
