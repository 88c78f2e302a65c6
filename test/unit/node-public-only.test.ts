// publicOnly: what the kubo node kinds check before kubo dials a service's delegate, with
// DNS answers of our own (a hostile service controls its names' records).
import { describe, expect, it } from 'vitest';
import { DNSADDR_MAX_DEPTH, DNSADDR_MAX_RECORDS, publicOnly } from '../../src/lib/node/dial.js';
import type { NameLookups } from '../../src/lib/node/dial.js';

const PEER = '12D3KooWBdTeSe9Rp1ss7nn6PLBfPzpUb55EDHBZdD7MSXqLJnaE';

/** Names and TXT records as a zone; what kubo was asked to dial. */
function setup(zone: { a?: Record<string, string[]>; txt?: Record<string, string[]> }): {
  dial: (address: string) => Promise<string | undefined>;
  dialled: string[];
} {
  const dns: NameLookups = {
    lookup: async (name) => {
      const found = zone.a?.[name];
      if (found === undefined) throw new Error(`getaddrinfo ENOTFOUND ${name}`);
      return found;
    },
    resolveTxt: async (name) => {
      const found = zone.txt?.[name];
      if (found === undefined) throw new Error(`queryTxt ENODATA ${name}`);
      // Long records come split in 255-byte strings.
      return found.map((r) => [r.slice(0, 20), r.slice(20)]);
    },
  };
  const dialled: string[] = [];
  const connect = publicOnly(async (address) => {
    dialled.push(address);
    return PEER;
  }, dns);
  return { dial: (address) => connect(address, undefined, new AbortController().signal), dialled };
}

describe('publicOnly (kubo node kinds)', () => {
  it('passes public IPs and names that resolve only to public IPs', async () => {
    const { dial, dialled } = setup({ a: { 'public.example': ['93.184.216.9'] } });
    await dial(`/ip4/151.101.1.7/tcp/4001/p2p/${PEER}`);
    await dial(`/dns4/public.example/tcp/4001/p2p/${PEER}`);
    expect(dialled).toHaveLength(2);
  });

  it('refuses private IPs, ip6zone and names with any private address', async () => {
    const { dial, dialled } = setup({ a: { 'mixed.example': ['93.184.216.9', '10.0.0.5'] } });
    for (const address of [
      `/ip4/169.254.169.254/tcp/80/p2p/${PEER}`,
      `/ip6/::1/tcp/4001/p2p/${PEER}`,
      `/ip6zone/eth0/ip6/fe80::1/tcp/4001/p2p/${PEER}`,
      `/dns/mixed.example/tcp/4001/p2p/${PEER}`,
    ])
      await expect(dial(address), address).rejects.toThrow(/private or loopback/);
    expect(dialled).toEqual([]);
  });

  it('follows /dnsaddr through its TXT records, nested ones included, and refuses one that leads inward', async () => {
    const { dial, dialled } = setup({
      a: { 'inner.example': ['192.168.1.20'], 'outer.example': ['93.184.216.10'] },
      txt: {
        '_dnsaddr.good.example': [`dnsaddr=/dns4/outer.example/tcp/4001/p2p/${PEER}`],
        '_dnsaddr.bad.example': [
          `dnsaddr=/ip4/93.184.216.11/tcp/4001/p2p/${PEER}`,
          'dnsaddr=/dnsaddr/deeper.example',
        ],
        '_dnsaddr.deeper.example': [`dnsaddr=/dns4/inner.example/tcp/4001/p2p/${PEER}`],
      },
    });
    await dial(`/dnsaddr/good.example/p2p/${PEER}`);
    await expect(dial(`/dnsaddr/bad.example/p2p/${PEER}`)).rejects.toThrow(/private or loopback/);
    expect(dialled).toEqual([`/dnsaddr/good.example/p2p/${PEER}`]);
  });

  it('a /dnsaddr nested deeper, or with more records, than it follows is refused, not passed on unchecked', async () => {
    const chain: Record<string, string[]> = {};
    for (let i = 0; i <= DNSADDR_MAX_DEPTH; i++)
      chain[`_dnsaddr.n${i}.example`] = [`dnsaddr=/dnsaddr/n${i + 1}.example`];
    const wide = {
      '_dnsaddr.wide.example': Array.from(
        { length: DNSADDR_MAX_RECORDS + 1 },
        (_, i) => `dnsaddr=/ip4/93.184.216.${i + 1}/tcp/4001/p2p/${PEER}`,
      ),
    };
    const { dial, dialled } = setup({ txt: { ...chain, ...wide } });
    await expect(dial('/dnsaddr/n0.example')).rejects.toThrow(/private or loopback/);
    await expect(dial(`/dnsaddr/wide.example/p2p/${PEER}`)).rejects.toThrow(/private or loopback/);
    expect(dialled).toEqual([]);
  });

  it('a bare peer id, or a record that is one, is refused: kubo would find it through routing', async () => {
    const { dial, dialled } = setup({
      txt: { '_dnsaddr.bare.example': [`dnsaddr=/p2p/${PEER}`] },
    });
    await expect(dial(`/p2p/${PEER}`)).rejects.toThrow(/names no host/);
    await expect(dial(`/dnsaddr/bare.example/p2p/${PEER}`)).rejects.toThrow(/names no host/);
    expect(dialled).toEqual([]);
  });

  it('localhost names are refused before any lookup, in a record too', async () => {
    const { dial, dialled } = setup({
      a: { 'app.localhost': ['93.184.216.40'] },
      txt: { '_dnsaddr.loop.example': [`dnsaddr=/dns4/app.localhost/tcp/4001/p2p/${PEER}`] },
    });
    await expect(dial(`/dns4/app.localhost/tcp/4001/p2p/${PEER}`)).rejects.toThrow(/private or loopback/);
    await expect(dial(`/dnsaddr/loop.example/p2p/${PEER}`)).rejects.toThrow(/private or loopback/);
    expect(dialled).toEqual([]);
  });

  it("a name server that never answers holds the dial no longer than the dial's own signal", async () => {
    const connect = publicOnly(async () => PEER, {
      lookup: () => new Promise<string[]>(() => {}),
      resolveTxt: () => new Promise<string[][]>(() => {}),
    });
    const timeout = AbortSignal.timeout(50);
    await expect(connect(`/dnsaddr/slow.example/p2p/${PEER}`, undefined, timeout)).rejects.toThrow();
    expect(timeout.aborted).toBe(true);
  });

  it('records that are not dnsaddr= and names that do not resolve inside records are skipped', async () => {
    const { dial, dialled } = setup({
      txt: {
        '_dnsaddr.odd.example': [
          'v=spf1 -all',
          `dnsaddr=/dns4/gone.example/tcp/4001/p2p/${PEER}`,
          `dnsaddr=/ip4/93.184.216.12/tcp/4001/p2p/${PEER}`,
        ],
      },
    });
    await dial(`/dnsaddr/odd.example/p2p/${PEER}`);
    expect(dialled).toHaveLength(1);
    // The name asked for itself not resolving fails the dial, with the resolver's words.
    await expect(dial(`/dns4/gone.example/tcp/4001/p2p/${PEER}`)).rejects.toThrow(/ENOTFOUND/);
  });
});
