import { describe, expect, it } from 'vitest';
import { dialable, isPublicAddress, publicOrigins } from '../../src/lib/node/multiaddrs.js';

const ID = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';

describe('dialable: which delegates the embedded node can dial', () => {
  it.each([
    `/ip4/1.2.3.4/tcp/4001/p2p/${ID}`,
    `/ip6/2001:4860::1/tcp/4001/p2p/${ID}`,
    `/dns4/node.example.com/tcp/4001/p2p/${ID}`,
    `/dns6/node.example.com/tcp/4001/p2p/${ID}`,
    `/dns/node.example.com/tcp/4001`,
    `/dnsaddr/cluster.example.com/p2p/${ID}`,
    '/dnsaddr/cluster.example.com',
  ])('dials %s', (a) => {
    expect(dialable(a).ok).toBe(true);
  });

  it.each([
    `/ip4/1.2.3.4/udp/4001/quic-v1/p2p/${ID}`,
    `/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/p2p/${ID}`,
    `/dns4/node.example.com/tcp/443/wss/p2p/${ID}`,
    `/dns4/node.example.com/tcp/443/tls/ws/p2p/${ID}`,
    `/ip4/1.2.3.4/tcp/4001/p2p/${ID}/p2p-circuit/p2p/${ID}`,
  ])('reports %s as an unsupported transport, with its peer id', (a) => {
    expect(dialable(a)).toEqual({ ok: false, error: 'unsupported transport', peerId: ID });
  });

  it('rejects what is not a multiaddr or has no address', () => {
    expect(dialable('https://example.com')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/invalid multiaddr/),
    });
    expect(dialable(`/p2p/${ID}`)).toMatchObject({ ok: false, peerId: ID });
  });
});

describe('origins: public addresses only', () => {
  it.each([
    '/ip4/127.0.0.1/tcp/1',
    '/ip4/10.1.2.3/tcp/1',
    '/ip4/172.20.0.1/tcp/1',
    '/ip4/192.168.1.1/tcp/1',
    '/ip4/169.254.1.1/tcp/1',
    '/ip4/100.64.0.1/tcp/1',
    '/ip4/0.0.0.0/tcp/1',
    '/ip6/::1/tcp/1',
    '/ip6/fe80::1/tcp/1',
    '/ip6/fd00::1/tcp/1',
    '/dns4/example.com/tcp/1',
  ])('%s is not public', (a) => {
    expect(isPublicAddress(a)).toBe(false);
  });

  it.each(['/ip4/8.8.8.8/tcp/4001', '/ip4/172.32.0.1/tcp/1', '/ip6/2606:4700::1/tcp/4001'])(
    '%s is public',
    (a) => {
      expect(isPublicAddress(a)).toBe(true);
    },
  );

  it('keeps public TCP addresses, adds /p2p/<id>, drops others and caps at 20', () => {
    const many = Array.from({ length: 30 }, (_, i) => `/ip4/8.8.8.${i + 1}/tcp/4001`);
    const out = publicOrigins(
      [
        '/ip4/127.0.0.1/tcp/4001',
        `/ip4/8.8.4.4/udp/4001/quic-v1`,
        `/ip4/1.1.1.1/tcp/4001/p2p/${ID}`,
        ...many,
      ],
      ID,
    );
    expect(out[0]).toBe(`/ip4/1.1.1.1/tcp/4001/p2p/${ID}`);
    expect(out).toHaveLength(20);
    expect(out.every((a) => a.endsWith(`/p2p/${ID}`))).toBe(true);
  });

  it('is empty on loopback and behind NAT', () => {
    expect(
      publicOrigins([`/ip4/127.0.0.1/tcp/4001/p2p/${ID}`, `/ip4/10.0.0.5/tcp/4001/p2p/${ID}`], ID),
    ).toEqual([]);
  });
});
