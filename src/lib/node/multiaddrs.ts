import { multiaddr } from '@multiformats/multiaddr';
import type { Multiaddr } from '@multiformats/multiaddr';

/** The answer for a transport this node cannot use (QUIC, WebTransport, WebSockets, relays...). */
export const UNSUPPORTED_TRANSPORT = 'unsupported transport';

export type Dialable =
  { ok: true; multiaddr: Multiaddr; peerId?: string } | { ok: false; error: string; peerId?: string };

const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6']);

/**
 * Whether a delegate can be dialled over plain TCP (what every kubo listens on): a host
 * (`/ip4`, `/ip6`, `/dns`, `/dns4`, `/dns6`) then `/tcp` then at most `/p2p/<id>`, or a
 * `/dnsaddr` (resolved at dial time). Anything else is reported, never thrown.
 */
export function dialable(address: string): Dialable {
  let ma: Multiaddr;
  try {
    ma = multiaddr(address);
  } catch (err) {
    return { ok: false, error: `invalid multiaddr: ${err instanceof Error ? err.message : String(err)}` };
  }
  const parts = ma.getComponents();
  const peerId = parts.find((p) => p.name === 'p2p')?.value;
  const withPeer = <T extends object>(r: T): T & { peerId?: string } =>
    peerId === undefined ? r : { ...r, peerId };
  const [host, transport, ...rest] = parts;
  if (host === undefined || host.name === 'p2p')
    return withPeer({ ok: false as const, error: 'no address to dial (a bare peer id needs routing)' });
  if (host.name === 'dnsaddr') {
    return rest.length === 0 && (transport === undefined || transport.name === 'p2p')
      ? withPeer({ ok: true as const, multiaddr: ma })
      : withPeer({ ok: false as const, error: UNSUPPORTED_TRANSPORT });
  }
  const tcp = HOSTS.has(host.name) && transport?.name === 'tcp';
  const tail = rest.every((p) => p.name === 'p2p') && rest.length <= 1;
  return tcp && tail
    ? withPeer({ ok: true as const, multiaddr: ma })
    : withPeer({ ok: false as const, error: UNSUPPORTED_TRANSPORT });
}

function ip4Private(ip: string): boolean {
  const o = ip.split('.').map(Number);
  const [a = 0, b = 0] = o;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && o[2] === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function ip6Private(ip: string): boolean {
  const s = ip.toLowerCase();
  if (s === '::' || s === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (mapped?.[1] !== undefined) return ip4Private(mapped[1]);
  const first = parseInt(s.split(':')[0] || '0', 16);
  return (
    (first & 0xffc0) === 0xfe80 || // link-local
    (first & 0xfe00) === 0xfc00 || // unique local
    (first & 0xff00) === 0xff00 || // multicast
    s.startsWith('2001:db8:') // documentation
  );
}

/** The first component of an address when it is an IP (`ip4` or `ip6`), else undefined. */
function ipOf(address: string): { v6: boolean; ip: string } | undefined {
  let host;
  try {
    host = multiaddr(address).getComponents()[0];
  } catch {
    return undefined;
  }
  if (host?.value === undefined || (host.name !== 'ip4' && host.name !== 'ip6')) return undefined;
  return { v6: host.name === 'ip6', ip: host.value };
}

/** A public IP address (not loopback, private, link-local, CGNAT, multicast or unspecified). */
export function isPublicAddress(address: string): boolean {
  const ip = ipOf(address);
  return ip !== undefined && !(ip.v6 ? ip6Private(ip.ip) : ip4Private(ip.ip));
}

/**
 * Whether an address names a loopback, private, link-local or otherwise non-public IP
 * (the first component is /ip4 or /ip6). DNS names are not resolved here: false.
 */
export function isPrivateIpAddress(address: string): boolean {
  const ip = ipOf(address);
  return ip !== undefined && (ip.v6 ? ip6Private(ip.ip) : ip4Private(ip.ip));
}

/** Whether a URL's host is a loopback or private IP literal, or localhost. */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(h)) return ip4Private(h);
  if (h.includes(':')) return ip6Private(h);
  return false;
}

/**
 * What to send a service as `origins`: public TCP addresses ending in `/p2p/<peerId>`, at
 * most 20 (the spec's limit). Empty behind NAT or on loopback, which is normal: the
 * service cannot dial us there, so we dial it.
 */
export function publicOrigins(addresses: string[], peerId: string, max = 20): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    const withId = a.includes('/p2p/') ? a : `${a}/p2p/${peerId}`;
    if (!withId.endsWith(`/p2p/${peerId}`)) continue;
    const d = dialable(withId);
    if (!d.ok || !isPublicAddress(withId) || out.includes(withId)) continue;
    out.push(withId);
    if (out.length === max) break;
  }
  return out;
}
