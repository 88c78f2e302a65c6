import { describe, expect, it } from 'vitest';
import { multiaddr } from '@multiformats/multiaddr';
import { privateDialGate } from '../../src/lib/node/host.js';
import { isPrivateMultiaddr } from '../../src/lib/node/multiaddrs.js';
import { endpointIsPrivate } from '../../src/lib/pin/services.js';
import { isPrivateHostName, isPrivateIpAddress, parseIp } from '../../src/lib/util/private-address.js';

const ID = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA';

describe('isPrivateIpAddress: one answer per address, whatever its spelling', () => {
  it.each([
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback /8'],
    ['10.1.2.3', 'RFC 1918'],
    ['172.16.0.1', 'RFC 1918'],
    ['172.31.255.254', 'RFC 1918'],
    ['192.168.1.1', 'RFC 1918'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', '0/8'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['198.18.0.1', 'benchmarking'],
    // IPv6
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback, uncompressed'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['febf::1', 'link-local /10'],
    ['fec0::1', 'site-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['100::1', 'discard'],
    // IPv4 inside IPv6
    ['::ffff:127.0.0.1', 'mapped, dotted'],
    ['::ffff:7f00:1', 'mapped, hex (what multiaddr makes of it)'],
    ['0:0:0:0:0:ffff:7f00:1', 'mapped, uncompressed'],
    ['::FFFF:7F00:0001', 'mapped, upper case'],
    ['::ffff:a9fe:a9fe', 'mapped metadata address'],
    ['::ffff:0:7f00:1', 'translated'],
    ['::ffff:0:10.0.0.1', 'translated, dotted'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['64:ff9b::10.0.0.1', 'NAT64, dotted'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['::127.0.0.1', 'compatible'],
    ['::7f00:1', 'compatible, hex'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2002:c0a8:101::', '6to4 of 192.168.1.1'],
  ])('%s is private (%s)', (ip) => {
    expect(isPrivateIpAddress(ip)).toBe(true);
  });

  it.each([
    ['1.1.1.1', 'public v4'],
    ['8.8.8.8', 'public v4'],
    ['100.128.0.1', 'just past CGNAT'],
    ['172.32.0.1', 'just past 172.16/12'],
    ['2606:4700:4700::1111', 'public v6'],
    ['2a00:1450::1', 'public v6'],
    ['::ffff:8.8.8.8', 'mapped public'],
    ['::ffff:808:808', 'mapped public, hex'],
    ['64:ff9b::808:808', 'NAT64 of a public address'],
    ['2002:808:808::1', '6to4 of a public address'],
  ])('%s is public (%s)', (ip) => {
    expect(isPrivateIpAddress(ip)).toBe(false);
  });

  it('reads no name or junk as an IP', () => {
    for (const text of ['localhost', 'example.com', '', '1.2.3', '::ffff:1.2.3.4.5', '12345::', 'gggg::1'])
      expect(parseIp(text)).toBeUndefined();
    expect(parseIp('::ffff:1.2.3.4')).toEqual(
      Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]),
    );
  });
});

describe('isPrivateHostName: literals and names that never leave the machine', () => {
  it.each([
    'localhost',
    'LOCALHOST',
    'localhost.',
    'api.localhost',
    'a.b.localhost',
    '[::1]',
    '[::ffff:127.0.0.1]',
    '127.0.0.1',
  ])('%s is private', (h) => expect(isPrivateHostName(h)).toBe(true));
  it.each(['example.com', 'localhost.example.com', 'notlocalhost', '[2606:4700::1]', '1.1.1.1'])(
    '%s is not',
    (h) => expect(isPrivateHostName(h)).toBe(false),
  );
});

describe('the users of the classifier', () => {
  it.each([
    `/ip6/::ffff:127.0.0.1/tcp/4001/p2p/${ID}`,
    `/ip6/64:ff9b::a00:1/tcp/4001/p2p/${ID}`,
    `/ip6/2002:a00:1::1/tcp/4001/p2p/${ID}`,
    `/dns4/localhost/tcp/4001/p2p/${ID}`,
    `/dns6/ipfs.localhost/tcp/4001/p2p/${ID}`,
    `/dns/localhost/tcp/4001`,
    `/dnsaddr/localhost/p2p/${ID}`,
    `/ip4/100.64.1.1/tcp/4001/p2p/${ID}`,
    // A zone scopes only link-local addresses (kubo would dial it: it has no gater of ours).
    `/ip6zone/eth0/ip6/fe80::1/tcp/22/p2p/${ID}`,
  ])('a delegate %s is private', (a) => expect(isPrivateMultiaddr(a)).toBe(true));

  it.each([`/ip4/1.2.3.4/tcp/4001/p2p/${ID}`, `/dns4/node.example.com/tcp/4001/p2p/${ID}`])(
    'a delegate %s is not',
    (a) => expect(isPrivateMultiaddr(a)).toBe(false),
  );

  it('an endpoint on a mapped loopback address is private, so its delegates may be too', () => {
    expect(endpointIsPrivate('http://[::ffff:127.0.0.1]:9097')).toBe(true);
    expect(endpointIsPrivate('http://[::ffff:7f00:1]/')).toBe(true);
    expect(endpointIsPrivate('http://pins.localhost:9097')).toBe(true);
    expect(endpointIsPrivate('https://api.pinata.cloud/psa')).toBe(false);
  });
});

describe('privateDialGate: the address libp2p is about to dial, after DNS', () => {
  it.each([
    `/ip4/127.0.0.1/tcp/4001/p2p/${ID}`,
    `/ip6/::ffff:7f00:1/tcp/4001/p2p/${ID}`,
    `/ip6/64:ff9b::a9fe:a9fe/tcp/80`,
    `/ip6zone/eth0/ip6/fe80::1/tcp/4001`,
    // A name still there was not resolved by us: held back too.
    `/dns4/node.example.com/tcp/4001/p2p/${ID}`,
    `/dnsaddr/node.example.com/p2p/${ID}`,
  ])('holds back %s', (a) => expect(privateDialGate(multiaddr(a))).toBe(true));

  it.each([`/ip4/1.2.3.4/tcp/4001/p2p/${ID}`, `/ip6/2606:4700::1/tcp/4001`])('lets %s through', (a) =>
    expect(privateDialGate(multiaddr(a))).toBe(false),
  );
});
